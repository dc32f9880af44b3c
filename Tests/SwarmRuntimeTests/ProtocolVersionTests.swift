import Testing
@testable import SwarmRuntime

@Test func protocolVersionIsOne() {
    #expect(runtimeProtocolVersion == 1)
}
