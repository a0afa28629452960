// swift-tools-version: 6.1
// libFuzzer harnesses for RackFocus's readers. Build and run them with Fuzz/run.sh, which passes
// -sanitize=fuzzer,address; each harness hands its arguments to libFuzzer's driver.
import PackageDescription

let package = Package(
    name: "RackFocusFuzz",
    dependencies: [.package(name: "RackFocus", path: "../")],
    targets: [
        .target(name: "FuzzSupport", path: "Harnesses/FuzzSupport"),
        .executableTarget(name: "FuzzPNG", dependencies: ["FuzzSupport", .product(name: "RackFocusIO", package: "RackFocus")],
                          path: "Harnesses/FuzzPNG"),
        .executableTarget(name: "FuzzJPEG", dependencies: ["FuzzSupport", .product(name: "RackFocusIO", package: "RackFocus")],
                          path: "Harnesses/FuzzJPEG"),
        .executableTarget(name: "FuzzPFM", dependencies: ["FuzzSupport", .product(name: "RackFocusIO", package: "RackFocus")],
                          path: "Harnesses/FuzzPFM"),
        .executableTarget(name: "FuzzEXR", dependencies: ["FuzzSupport", .product(name: "RackFocusIO", package: "RackFocus")],
                          path: "Harnesses/FuzzEXR"),
        .executableTarget(name: "FuzzShotFile", dependencies: ["FuzzSupport", .product(name: "RackFocusRender", package: "RackFocus")],
                          path: "Harnesses/FuzzShotFile"),
    ]
)
