import Foundation
import RackFocusEngine
import RackFocusIO
import RackFocusTimeline
import RackFocusViews
import RackFocusVideo

/// The JSON shot file: one key per long option name, decoded straight into a `Shot` (README,
/// "Shot files"). Errors name the file and the key path (`shot.json: focus[2].ease: ...`).
extension Shot: Codable {
    /// Every key a shot file may hold (the long option names of `render`).
    public static let fileKeys = [
        "rgb", "depth", "plate", "frames", "rgb-layer", "rgb-part", "depth-channel", "depth-part", "resize-depth", "memory-limit",
        "math", "depth-range", "near-white", "depth-unit",
        "focal-length", "fstop", "sensor-width", "breathing", "size", "dof", "maximum",
        "filter", "blades", "rotation", "roundness", "bloom", "bloom-threshold", "bloom-gain", "bloom-size",
        "focus", "focal-point", "ease", "interpolation", "pick-radius",
        "layers", "threads", "quiet",
        "output", "skip-existing", "bit-depth", "quality", "view", "reference", "png-smallest", "exr-type", "exr-compression",
        "png-compression", "codec", "crf", "first-frame", "frame-rate",
    ]

    /// Reads a shot file. Relative paths in it are relative to the file's folder.
    public static func load(path: String) throws(ShotError) -> Shot {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ShotError("\(path): cannot read the shot file")
        }
        return try decode(json: data, path: path)
    }

    /// A shot file's contents; `path` names it in errors and anchors relative paths.
    public static func decode(json data: Data, path: String) throws(ShotError) -> Shot {
        var shot: Shot
        do {
            shot = try JSONDecoder().decode(Shot.self, from: data)
        } catch let error as ShotError {
            throw ShotError("\(path): \(error.description)")
        } catch let error as DecodingError {
            throw ShotError("\(path): \(Self.describe(error))")
        } catch {
            throw ShotError("\(path): \(error)")
        }
        shot.resolvePaths(relativeTo: (path as NSString).deletingLastPathComponent)
        return shot
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            let underlying = (context.underlyingError as NSError?)?.userInfo["NSDebugDescription"] ?? context.underlyingError ?? context.debugDescription
            return "not valid JSON (\(underlying))"
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return "the top level must be a JSON object"
        case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c):
            return c.codingPath.map(\.stringValue).joined(separator: ".") + ": " + c.debugDescription
        @unknown default:
            return "\(error)"
        }
    }

    /// Paths in the file are relative to its folder, as a user writes them (`a/b/../c` -> `a/c`).
    mutating func resolvePaths(relativeTo folder: String) {
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") || folder.isEmpty ? file : Self.standardized(folder + "/" + file)
        }
        rgb = rgb.map(resolve)
        depth = depth.map(resolve)
        output = output.map(resolve)
        for i in plates.indices {
            plates[i].image = resolve(plates[i].image)
            if case .map(let file) = plates[i].depth { plates[i].depth = .map(resolve(file)) }
        }
    }

    static func standardized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != "..", !last.isEmpty { parts.removeLast(); continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }

    public init(from decoder: Decoder) throws {
        let file = try ShotFileReader(decoder.container(keyedBy: FileKey.self))
        for key in file.container.allKeys where !Self.fileKeys.contains(key.stringValue) {
            throw ShotError("\(key.stringValue): unknown key; expected one of \(Self.fileKeys.sorted().joined(separator: ", "))")
        }
        self.init()
        rgb = try file.path("rgb")
        depth = try file.path("depth")
        plates = try file.list("plate") { try $0.plate() } ?? []
        frames = try file.string("frames")
        rgbLayer = try file.string("rgb-layer")
        rgbPart = try file.string("rgb-part")
        depthChannel = try file.string("depth-channel")
        depthPart = try file.string("depth-part")
        resizeDepth = try file.flag("resize-depth") ?? resizeDepth
        memoryLimit = try file.integer("memory-limit") ?? memoryLimit

        math = try file.word("math") ?? math
        depthRange = try file.pair("depth-range").map { DepthRange(near: $0.0, far: $0.1) }
        nearWhite = try file.flag("near-white") ?? nearWhite
        depthUnit = try file.word("depth-unit") ?? depthUnit

        focalLength = try file.number("focal-length")
        fstop = try file.list("fstop") { try $0.valueKey() } ?? []
        sensorWidth = try file.number("sensor-width") ?? sensorWidth
        breathing = try file.word("breathing") ?? breathing
        size = try file.list("size") { try $0.valueKey() } ?? []
        dof = try file.number("dof") ?? dof
        maximum = try file.number("maximum") ?? maximum

        filter = try file.word("filter") ?? filter
        blades = try file.integer("blades") ?? blades
        rotation = try file.number("rotation") ?? rotation
        roundness = try file.number("roundness") ?? roundness
        bloom = try file.flag("bloom") ?? bloom
        bloomThreshold = try file.number("bloom-threshold").map(Float.init) ?? bloomThreshold
        bloomGain = try file.number("bloom-gain").map(Float.init) ?? bloomGain
        bloomSize = try file.number("bloom-size").map(Float.init) ?? bloomSize

        focus = try file.list("focus") { try $0.focusKey() } ?? []
        focalPoint = try file.string("focal-point").map { (text) throws(ShotError) in try PixelPoint(parsing: text, name: "focal-point") }
        ease = try file.easing("ease") ?? ease
        interpolation = try file.word("interpolation") ?? interpolation
        pickRadius = try file.integer("pick-radius") ?? pickRadius

        layers = try file.integer("layers") ?? layers
        threads = try file.integer("threads") ?? threads
        quiet = try file.flag("quiet") ?? quiet

        output = try file.path("output")
        skipExisting = try file.flag("skip-existing") ?? skipExisting
        bitDepth = try file.integer("bit-depth") ?? bitDepth
        quality = try file.integer("quality") ?? quality
        view = try file.word("view") ?? view
        reference = try file.flag("reference") ?? reference
        pngSmallest = try file.flag("png-smallest") ?? pngSmallest
        exrType = try file.word("exr-type") ?? exrType
        exrCompression = try file.word("exr-compression") ?? exrCompression
        pngCompression = try file.integer("png-compression")
        codec = try file.word("codec")
        crf = try file.integer("crf") ?? crf
        firstFrame = try file.integer("first-frame") ?? firstFrame
        frameRate = try file.value("frame-rate").map { v in try v.numberValue.map { String($0 == $0.rounded() ? String(Int($0)) : String($0)) } ?? v.string() } ?? frameRate
    }

    /// Writes every setting that differs from the default, in the file's vocabulary (keys as
    /// `FRAME:VALUE[:EASING]` text), so that decoding gives this shot back.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: FileKey.self)
        let defaults = Shot()
        func put<T: Encodable & Equatable>(_ key: String, _ value: T, _ fallback: T) throws {
            if value != fallback { try c.encode(value, forKey: FileKey(key)) }
        }
        func put<T: Encodable>(_ key: String, _ value: T?) throws { if let value { try c.encode(value, forKey: FileKey(key)) } }
        func keys<V>(_ key: String, _ list: [Key<V>], _ text: (V) -> String) throws {
            guard !list.isEmpty else { return }
            try c.encode(list.map { KeyText(frame: $0.frame, value: text($0.value), easing: $0.easing).text }, forKey: FileKey(key))
        }
        try put("rgb", rgb); try put("depth", depth)
        if !plates.isEmpty { try c.encode(plates.map(\.text), forKey: FileKey("plate")) }
        try put("frames", frames)
        try put("rgb-layer", rgbLayer); try put("rgb-part", rgbPart); try put("depth-channel", depthChannel); try put("depth-part", depthPart)
        try put("resize-depth", resizeDepth, defaults.resizeDepth); try put("memory-limit", memoryLimit, defaults.memoryLimit)
        try put("math", math.word, defaults.math.word)
        try put("depth-range", depthRange.map { [$0.near, $0.far] })
        try put("near-white", nearWhite, defaults.nearWhite); try put("depth-unit", depthUnit.word, defaults.depthUnit.word)
        try put("focal-length", focalLength)
        try keys("fstop", fstop) { "\($0)" }
        try put("sensor-width", sensorWidth, defaults.sensorWidth); try put("breathing", breathing.word, defaults.breathing.word)
        try keys("size", size) { "\($0)" }
        try put("dof", dof, defaults.dof); try put("maximum", maximum, defaults.maximum)
        try put("filter", filter.word, defaults.filter.word); try put("blades", blades, defaults.blades)
        try put("rotation", rotation, defaults.rotation); try put("roundness", roundness, defaults.roundness)
        try put("bloom", bloom); try put("bloom-threshold", bloomThreshold, defaults.bloomThreshold)
        try put("bloom-gain", bloomGain, defaults.bloomGain); try put("bloom-size", bloomSize)
        try keys("focus", focus) { $0.description }
        try put("focal-point", focalPoint?.description)
        try put("ease", ease.description, defaults.ease.description); try put("interpolation", interpolation.word, defaults.interpolation.word)
        try put("pick-radius", pickRadius, defaults.pickRadius)
        try put("layers", layers, defaults.layers); try put("threads", threads, defaults.threads); try put("quiet", quiet, defaults.quiet)
        try put("output", output); try put("skip-existing", skipExisting, defaults.skipExisting)
        try put("bit-depth", bitDepth, defaults.bitDepth); try put("quality", quality, defaults.quality)
        try put("view", view.word, defaults.view.word); try put("reference", reference, defaults.reference)
        try put("png-smallest", pngSmallest, defaults.pngSmallest)
        try put("exr-type", exrType.word, defaults.exrType.word); try put("exr-compression", exrCompression.word, defaults.exrCompression.word)
        try put("png-compression", pngCompression); try put("codec", codec?.word)
        try put("crf", crf, defaults.crf); try put("first-frame", firstFrame, defaults.firstFrame)
        try put("frame-rate", frameRate, defaults.frameRate)
    }
}

/// A key of the shot file (any string, so unknown keys can be named).
struct FileKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Reads the shot file's values with messages that name the key path.
struct ShotFileReader {
    let container: KeyedDecodingContainer<FileKey>
    /// The key path of this object (nil at the top level).
    var prefix: String?

    init(_ container: KeyedDecodingContainer<FileKey>) { self.container = container }

    func has(_ key: String) -> Bool { container.contains(FileKey(key)) }

    func name(_ key: String) -> String { (prefix.map { $0 + "." } ?? "") + key }

    func value(_ key: String) throws -> FileValue? {
        guard has(key) else { return nil }
        return try FileValue(container.superDecoder(forKey: FileKey(key)), path: name(key))
    }

    func string(_ key: String) throws -> String? { try value(key)?.string() }
    func number(_ key: String) throws -> Double? { try value(key)?.number() }
    func integer(_ key: String) throws -> Int? { try value(key)?.integer() }
    func flag(_ key: String) throws -> Bool? { try value(key)?.flag() }
    func easing(_ key: String) throws -> Easing? { try value(key)?.easing() }

    func path(_ key: String) throws -> String? {
        guard let text = try string(key) else { return nil }
        guard !text.isEmpty else { throw ShotError("\(key): expected a file name or pattern") }
        return text
    }

    func word<T: ShotWord>(_ key: String) throws -> T? {
        guard let text = try string(key) else { return nil }
        guard let word = T(word: text) else { throw ShotError("\(key): unknown value \"\(text)\"; expected one of \(T.words.joined(separator: ", "))") }
        return word
    }

    func pair(_ key: String) throws -> (Double, Double)? {
        guard let value = try value(key) else { return nil }
        let items = try value.array()
        guard items.count == 2 else { throw ShotError("\(key): expected [NEAR, FAR], two numbers") }
        return (try items[0].number(), try items[1].number())
    }

    /// One value or an array of them.
    func list<T>(_ key: String, _ read: (FileValue) throws -> T) throws -> [T]? {
        guard let value = try value(key) else { return nil }
        if value.isArray {
            let items = try value.array()
            guard !items.isEmpty else { throw ShotError("\(key): expected at least one key") }
            return try items.map(read)
        }
        return [try read(value)]
    }
}

/// One JSON value of the shot file, with its key path for messages.
struct FileValue {
    let decoder: Decoder
    let path: String

    init(_ decoder: Decoder, path: String) {
        self.decoder = decoder
        self.path = path
    }

    func fail(_ message: String) -> ShotError { ShotError("\(path): \(message)") }

    var isArray: Bool { (try? decoder.unkeyedContainer()) != nil }
    var isObject: Bool { (try? decoder.container(keyedBy: FileKey.self)) != nil }

    func array() throws -> [FileValue] {
        guard var items = try? decoder.unkeyedContainer() else { throw fail("expected an array") }
        var out: [FileValue] = []
        while !items.isAtEnd { out.append(FileValue(try items.superDecoder(), path: "\(path)[\(out.count)]")) }
        return out
    }

    func object(allowed: [String]) throws -> ShotFileReader {
        guard let c = try? decoder.container(keyedBy: FileKey.self) else { throw fail("expected an object") }
        for key in c.allKeys where !allowed.contains(key.stringValue) {
            throw ShotError("\(path).\(key.stringValue): unknown key; expected \(allowed.joined(separator: ", "))")
        }
        return ShotFileReader(c).prefixed(path)
    }

    /// The number, or nil when the value is not a JSON number (booleans are not numbers).
    var numberValue: Double? {
        guard let c = try? decoder.singleValueContainer(), (try? c.decode(Bool.self)) == nil else { return nil }
        return try? c.decode(Double.self)
    }

    var stringValue: String? { try? decoder.singleValueContainer().decode(String.self) }

    func string() throws -> String {
        guard let text = stringValue else { throw fail("expected a string") }
        return text
    }

    func number() throws -> Double {
        guard let number = numberValue else { throw fail("expected a number") }
        return number
    }

    /// A whole number within ±10^12 (frame numbers and counts; larger ones would overflow).
    func integer(_ what: String = "a whole number") throws -> Int {
        guard let number = numberValue, number == number.rounded(), abs(number) <= 1e12 else { throw fail("expected \(what)") }
        return Int(number)
    }

    func flag() throws -> Bool {
        guard let flag = try? decoder.singleValueContainer().decode(Bool.self) else { throw fail("expected true or false") }
        return flag
    }

    func easing() throws -> Easing {
        guard let name = stringValue else { throw fail("expected an easing name") }
        do { return try Easing(parsing: name) } catch { throw fail(error.description) }
    }

    /// `2.8`, `"1001:2.8"` or `{"frame": 1001, "value": 2.8, "ease": "linear"}`.
    func valueKey() throws -> ValueKey {
        if let number = numberValue { return ValueKey(number) }
        if let text = stringValue { return try ValueKey(parsing: text, name: path) }
        guard isObject else { throw fail("expected a number or {\"frame\", \"value\", \"ease\"}") }
        let object = try object(allowed: ["frame", "value", "ease"])
        return ValueKey(frame: try object.frame(), try object.required("value").number(), easing: try object.easing("ease"))
    }

    /// `2.5`, `"150cm"`, `"1001:1.2:ease-in"`, `{"frame": 1001, "distance": 1.2, "ease": "ease-in"}`
    /// or `{"frame": 1024, "point": [240, 135]}`.
    func focusKey() throws -> FocusKey {
        if let number = numberValue { return try FocusKey(parsing: String(number), name: path) }
        if let text = stringValue { return try FocusKey(parsing: text, name: path) }
        guard isObject else { throw fail("expected a distance, \"FRAME:VALUE[:EASING]\" or {\"frame\", \"distance\" or \"point\", \"ease\"}") }
        let object = try object(allowed: ["frame", "distance", "point", "ease"])
        let target: FocusTarget
        switch (try object.value("distance"), try object.value("point")) {
        case (let d?, nil): target = .distance(try d.length())
        case (nil, let p?):
            let xy = p.isArray ? try p.array() : []
            guard xy.count == 2, let x = xy[0].numberValue, let y = xy[1].numberValue else { throw p.fail("expected [X, Y] in pixels") }
            target = .point(PixelPoint(x: x, y: y))
        default:
            throw fail("give exactly one of \"distance\" and \"point\"")
        }
        return FocusKey(frame: try object.frame(), target, easing: try object.easing("ease"))
    }

    /// A positive distance: `1.5` or `"150cm"`.
    func length() throws -> Length {
        let length: Length?
        if let number = numberValue { length = Length(number) } else if let text = stringValue { length = Length(parsing: text) } else { length = nil }
        guard let length, length.value > 0, length.value.isFinite else { throw fail("expected a positive distance (1.5 or \"150cm\")") }
        return length
    }

    /// `"fg.png@1.5m"` or `{"image": "fg.png", "depth": 1.5 | "150cm" | [keys as for fstop], "depth-map": FILE}`.
    func plate() throws -> PlateSpec {
        if let text = stringValue {
            do { return try PlateSpec(parsing: text) } catch { throw fail(error.description) }
        }
        guard isObject else { throw fail("expected \"IMAGE@DEPTH\" or {\"image\", \"depth\"}") }
        let object = try object(allowed: ["image", "depth", "depth-map"])
        guard let image = try object.value("image")?.stringValue, !image.isEmpty else { throw ShotError("\(path).image: expected a file name or pattern") }
        if let map = try object.value("depth-map") {
            guard let file = map.stringValue, !file.isEmpty, !object.has("depth") else {
                throw map.fail("expected a file name or pattern (and no \"depth\")")
            }
            return PlateSpec(image: image, depth: .map(file))
        }
        guard let depth = try object.value("depth") else { throw ShotError("\(path).depth: expected a distance or keys") }
        if depth.numberValue != nil { return PlateSpec(image: image, depth: .keys([LengthKey(try depth.length())])) }
        if let text = depth.stringValue {
            do { return try PlateSpec(parsing: image + "@" + text) } catch { throw depth.fail(error.description) }
        }
        let items = depth.isArray ? try depth.array() : [depth]
        let keys = try items.map { item -> LengthKey in
            let key = try item.valueKey()
            guard key.value > 0 else { throw item.fail("expected a positive distance") }
            return LengthKey(frame: key.frame, Length(key.value), easing: key.easing)
        }
        return PlateSpec(image: image, depth: .keys(keys))
    }
}

extension ShotFileReader {
    /// The same keys, named under `prefix` in messages (`focus[1].frame`).
    func prefixed(_ prefix: String) -> ShotFileReader {
        var reader = self
        reader.prefix = prefix
        return reader
    }

    func required(_ key: String) throws -> FileValue {
        guard let value = try value(key) else { throw ShotError("\(name(key)): expected a number") }
        return value
    }

    func frame() throws -> Int {
        guard let value = try value("frame") else { throw ShotError("\(name("frame")): expected a whole frame number") }
        return try value.integer("a whole frame number")
    }
}
