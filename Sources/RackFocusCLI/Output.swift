#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Prints one line to standard error.
func printError(_ error: Error) {
    printError("error: \(error)")
}

func printError(_ text: String) {
    var line = text
    if line.last != "\n" { line += "\n" }
    _ = line.withCString { write(2, $0, strlen($0)) }
}

/// Whether standard error is a terminal (progress bars) or a pipe/CI log (plain lines).
var standardErrorIsTerminal: Bool { isatty(2) != 0 }

/// Whether standard output is a terminal (tables) or a pipe/CI log (plain lines).
var standardOutputIsTerminal: Bool { isatty(1) != 0 }
