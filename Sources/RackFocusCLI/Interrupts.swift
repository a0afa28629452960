import Dispatch
import RackFocusIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// On Ctrl-C (SIGINT) or SIGTERM: delete the temporary file being written, if any, and exit 130
/// or 143. Finished frames were renamed into place already, so they stay; no partial file remains.
/// The handler runs on a dispatch queue, not inside the signal, so it may take locks.
enum Interrupts {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func install() {
        guard sources.isEmpty else { return }
        for (number, code) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                TemporaryFiles.shared.removeAll()
                printError("interrupted: no partial file left; finished frames are kept")
                _exit(code)
            }
            source.resume()
            sources.append(source)
        }
    }
}
