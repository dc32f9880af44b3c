// One emulated device of the reference runtime; started by the coordinator
// (SwarmRuntime's `ReferenceRuntime`), configured through its environment.
import SwarmRuntime
import Foundation

exit(Worker.main())
