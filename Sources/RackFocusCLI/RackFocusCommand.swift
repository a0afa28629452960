import ArgumentParser
import RackFocusIO
import RackFocusRender

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `rackfocus` command line.
public struct RackFocusCommand: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "rackfocus",
        abstract: "Depth-aware lens blur and rack focus for image sequences.",
        discussion: """
            Exit codes: 0 success, 1 render failed, 2 bad usage or bad input.
            Run 'rackfocus help <command>' for a command's options.
            """,
        version: "rackfocus \(version) (\(codecLibraryVersions()))",
        subcommands: [RenderCommand.self, PlanCommand.self, ContactSheetCommand.self, CompareCommand.self, ProbeCommand.self, FarmCommand.self])

    public init() {}

    /// Runs the command line with RackFocus's exit codes: 0 ok, 1 render failed, 2 usage or input.
    public static func runMain(_ arguments: [String]? = nil) -> Never {
        // A file-size limit (ulimit -f) or a full disk must fail a write, not kill the process.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            terminate(0)
        } catch let error as ImageFileError {
            printError(error)
            terminate(2)
        } catch let error as ShotError {
            printError(error)
            terminate(2)
        } catch let error as RenderFailure {
            printError(error)
            terminate(1)
        } catch let error as ExitCode {
            terminate(error.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                terminate(0)
            }
            printError(fullMessage(for: error))
            terminate(2)
        }
    }
}

/// Ends the process with `code` after flushing standard output.
func terminate(_ code: Int32) -> Never {
    fflush(nil)
    exit(code)
}
