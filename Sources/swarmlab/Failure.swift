import ArgumentParser
import Foundation
import SwarmLab

/// Exit codes of every subcommand (README, `swarmlab --help`), after BSD's sysexits.h so
/// scripts and schedulers can tell a bad input from a failed run.
enum Exit {
    /// A run or write failed for a reason other than the input.
    static let failure: Int32 = 1
    /// Bad usage (ArgumentParser's own).
    static let usage: Int32 = 64
    /// The scenario or another input file is invalid.
    static let badInput: Int32 = 65
    /// An input file is missing or unreadable.
    static let noInput: Int32 = 66
    /// The scenario needs more memory than this machine has.
    static let unavailable: Int32 = 69
    /// A results file could not be written or read.
    static let ioError: Int32 = 74
}

/// Runs `body`; on an error prints it on stderr and exits with its code (see `Exit`).
func exitOnFailure<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ExitCode { throw e } catch let e as ValidationError { throw e } catch {
        let (kind, message) = classifyFailure(error)
        let code: Int32
        switch kind {
        case .badInput: code = Exit.badInput
        case .noInput: code = Exit.noInput
        case .unavailable: code = Exit.unavailable
        case .io: code = Exit.ioError
        case .failure: code = Exit.failure
        }
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        throw ExitCode(code)
    }
}

/// Pretty, key-sorted JSON text of `object`.
func jsonText(_ object: Any) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}
