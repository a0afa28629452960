// swift-tools-version: 6.1
// RackFocus: depth-aware rack-focus renderer.
//
// Module layout (each arrow is "depends on"):
//   rackfocus        -> RackFocusCLI (a one-line main)
//   RackFocusCLI     -> RackFocusRender, RackFocusCompare, ArgumentParser (parse, build a Shot, run, print)
//   RackFocusRender  -> RackFocusEngine, RackFocusIO, RackFocusTimeline, RackFocusViews, RackFocusVideo
//                       (the typed Shot and its shot file, frame jobs, the streaming pipeline, plates)
//   RackFocusVideo   -> RackFocusCore, RackFocusIO (movies in and out through the ffmpeg/ffprobe executables)
//   RackFocusEngine  -> RackFocusCore              (no file I/O, no C)
//   RackFocusIO      -> RackFocusCore, CCodecShims (codecs, sequences, atomic writes)
//   RackFocusTimeline                              (focus keyframes, easing, focus picking; pure)
//   RackFocusCompare -> RackFocusCore, RackFocusIO (frame differences, reports for CI)
//   RackFocusDraw    -> RackFocusCore              (a canvas and bitmap font for plots and sheets)
//   RackFocusViews   -> RackFocusCore, RackFocusDraw (focal-plane, coc, depth and layer views)
//   CCodecShims      -> CPNG, CJPEG, CZlib, CEXR   (the only code that calls the C codecs; owns setjmp/longjmp)
import PackageDescription

let package = Package(
    name: "RackFocus",
    products: [
        .executable(name: "rackfocus", targets: ["rackfocus"]),
        .library(name: "RackFocusCore", targets: ["RackFocusCore"]),
        .library(name: "RackFocusEngine", targets: ["RackFocusEngine"]),
        .library(name: "RackFocusIO", targets: ["RackFocusIO"]),
        .library(name: "RackFocusTimeline", targets: ["RackFocusTimeline"]),
        .library(name: "RackFocusCompare", targets: ["RackFocusCompare"]),
        .library(name: "RackFocusVideo", targets: ["RackFocusVideo"]),
        .library(name: "RackFocusRender", targets: ["RackFocusRender"]),
        .library(name: "RackFocusCLI", targets: ["RackFocusCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C codecs (system libraries, Debian packages)
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CEXR", pkgConfig: "OpenEXR", providers: [.apt(["libopenexr-dev"])]),
        .target(name: "CCodecShims", dependencies: ["CPNG", "CJPEG", "CZlib", "CEXR"]),

        // MARK: - Swift modules
        .target(name: "RackFocusCore"),
        // Built with Swift's checks like every module: the few hot loops that index engine-built
        // buffers use raw pointers and wrapping arithmetic where a comment says why that is safe.
        .target(name: "RackFocusEngine", dependencies: ["RackFocusCore"]),
        .target(name: "RackFocusIO", dependencies: ["RackFocusCore", "CCodecShims"]),
        .target(name: "RackFocusTimeline"),
        .target(name: "RackFocusCompare", dependencies: ["RackFocusCore", "RackFocusIO"]),
        .target(name: "RackFocusDraw", dependencies: ["RackFocusCore"]),
        .target(name: "RackFocusViews", dependencies: ["RackFocusCore", "RackFocusDraw"]),
        .target(name: "RackFocusVideo", dependencies: ["RackFocusCore", "RackFocusIO"]),
        .target(name: "RackFocusRender",
                dependencies: ["RackFocusCore", "RackFocusEngine", "RackFocusIO", "RackFocusTimeline", "RackFocusViews", "RackFocusVideo"]),
        .target(
            name: "RackFocusCLI",
            dependencies: [
                "RackFocusCore", "RackFocusEngine", "RackFocusIO", "RackFocusTimeline", "RackFocusCompare", "RackFocusDraw", "RackFocusViews",
                "RackFocusRender", "RackFocusVideo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "rackfocus", dependencies: ["RackFocusCLI"]),

        // MARK: - Tests
        .testTarget(name: "RackFocusCoreTests", dependencies: ["RackFocusCore"]),
        .testTarget(name: "RackFocusIOTests", dependencies: ["RackFocusIO", "RackFocusCore"]),
        .testTarget(name: "RackFocusEngineTests", dependencies: ["RackFocusEngine", "RackFocusCore"]),
        .testTarget(name: "RackFocusTimelineTests", dependencies: ["RackFocusTimeline"]),
        .testTarget(name: "RackFocusCompareTests", dependencies: ["RackFocusCompare", "RackFocusCore"]),
        .testTarget(name: "RackFocusViewsTests", dependencies: ["RackFocusViews", "RackFocusDraw", "RackFocusCore"]),
        .testTarget(name: "RackFocusRenderTests", dependencies: ["RackFocusRender", "RackFocusIO", "RackFocusCore", "RackFocusTimeline"]),
        .testTarget(name: "RackFocusCLITests", dependencies: ["RackFocusCLI", "RackFocusIO", "RackFocusCore"]),
    ],
    swiftLanguageModes: [.v6]
)
