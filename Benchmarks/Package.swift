// swift-tools-version: 6.1
// RackFocus benchmarks (ordo-one/benchmark), kept in their own package so that the benchmark
// tool's build stays out of ordinary `swift build` / `swift test`.
//
//   cd Benchmarks && swift package benchmark                       # run everything
//   swift package benchmark --target CodecBenchmarks               # one suite
//   swift package benchmark thresholds check --path Thresholds/    # regression gate
import PackageDescription

let package = Package(
    name: "RackFocusBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "RackFocus", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: [
                .product(name: "RackFocusIO", package: "RackFocus"),
                .product(name: "RackFocusCore", package: "RackFocus"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "CodecBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "RackFocusEngine", package: "RackFocus"),
                .product(name: "RackFocusCore", package: "RackFocus"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "TimelineBenchmarks",
            dependencies: [
                .product(name: "RackFocusTimeline", package: "RackFocus"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "TimelineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "FrameBenchmarks",
            dependencies: [
                .product(name: "RackFocusRender", package: "RackFocus"),
                .product(name: "RackFocusIO", package: "RackFocus"),
                .product(name: "RackFocusCore", package: "RackFocus"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "FrameBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
