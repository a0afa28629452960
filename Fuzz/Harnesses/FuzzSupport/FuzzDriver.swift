/// Runs libFuzzer (linked by -sanitize=fuzzer) with a Swift closure as the test function.
/// libFuzzer's own `main` is not used: each harness is an ordinary Swift executable that hands
/// its arguments to `LLVMFuzzerRunDriver`.
public enum FuzzDriver {
    nonisolated(unsafe) static var body: (([UInt8]) -> Void)?

    public static func run(_ test: @escaping ([UInt8]) -> Void) -> Never {
        body = test
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzDriver.body!(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        }
        exit(status)
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_silgen_name("exit")
func exit(_ status: CInt) -> Never

/// The entry libFuzzer's runtime refers to; it forwards to the harness's closure.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzDriver.body?(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
