/// Which channels of an OpenEXR file to read, and what for: the colour (RGB(A), from the top-level
/// `R,G,B,A` or a layer such as `beauty.R`) or the depth (`Z`, `depth.Z`, `ViewLayer.Depth.Z`... or a
/// named channel). Other formats ignore it.
public struct EXRSelection: Sendable, Equatable {
    public enum Role: Sendable, Equatable { case colour, depth }

    public var role: Role
    /// Only look in the part with this name (multi-part files).
    public var part: String?
    /// Colour: the layer whose `.R .G .B (.A)` to read (`beauty`, `ViewLayer.Combined`).
    public var layer: String?
    /// Depth: the exact channel name.
    public var channel: String?

    public init(role: Role, part: String? = nil, layer: String? = nil, channel: String? = nil) {
        self.role = role
        self.part = part
        self.layer = layer
        self.channel = channel
    }

    public static let colour = EXRSelection(role: .colour)
    public static let depth = EXRSelection(role: .depth)

    /// The part and channel indices to decode, in output order (R, G, B, A / Y, A / depth).
    public struct Pick: Sendable, Equatable {
        public var part: Int
        public var channels: [Int]
        public var names: [String]
    }

    /// Picks the channels from a header, or says what the file has instead.
    public func resolve(_ parts: [EXRCodec.Part]) throws(CodecError) -> Pick {
        var candidates = parts
        if let part {
            candidates = parts.filter { $0.name == part }
            guard !candidates.isEmpty else {
                let names = parts.map { $0.name.map { "\"\($0)\"" } ?? "(unnamed)" }.joined(separator: ", ")
                throw CodecError(.unsupported, "no part named \"\(part)\"; the parts are \(names)")
            }
        }
        candidates = candidates.filter { $0.storage == .scanline || $0.storage == .tiled }
        guard !candidates.isEmpty else { throw CodecError(.unsupported, "deep images are not supported") }
        switch role {
        case .colour: return try colour(candidates)
        case .depth: return try depth(candidates)
        }
    }

    private func colour(_ parts: [EXRCodec.Part]) throws(CodecError) -> Pick {
        func find(_ part: EXRCodec.Part, _ prefix: String) -> Pick? {
            func index(_ suffixes: [String]) -> Int? {
                for suffix in suffixes {
                    if let i = part.channels.firstIndex(where: { $0.name == prefix + suffix }) { return i }
                }
                return nil
            }
            let alpha = index(["A", "a", "alpha"])
            if let r = index(["R", "r", "red"]), let g = index(["G", "g", "green"]), let b = index(["B", "b", "blue"]) {
                let picked = [r, g, b] + (alpha.map { [$0] } ?? [])
                return Pick(part: part.index, channels: picked, names: picked.map { part.channels[$0].name })
            }
            // Luminance, or a lone R, G or B channel (a one-channel picture): read as grey.
            let single = [index(["R", "r", "red"]), index(["G", "g", "green"]), index(["B", "b", "blue"])].compactMap { $0 }
            if let y = index(["Y"]) ?? (single.count == 1 ? single[0] : nil) {
                let picked = [y] + (alpha.map { [$0] } ?? [])
                return Pick(part: part.index, channels: picked, names: picked.map { part.channels[$0].name })
            }
            return nil
        }
        if let layer {
            for part in parts {
                if let pick = find(part, layer + ".") { return pick }
                if part.name == layer, let pick = find(part, "") { return pick }
            }
            throw CodecError(.unsupported, "no layer \"\(layer)\" with R, G, B channels; layers with colour: \(colourLayers(parts).joined(separator: ", "))")
        }
        for part in parts {
            if let pick = find(part, "") { return pick }
        }
        // No top-level RGB: a single colour layer, or the one a renderer calls its beauty.
        let layers = colourLayers(parts)
        let preferred = ["combined", "beauty", "rgba", "rgb", "color", "colour"]
        let chosen = layers.count == 1 ? layers.first : layers.first { preferred.contains(lastComponent($0).lowercased()) }
        if let chosen {
            for part in parts { if let pick = find(part, chosen + ".") { return pick } }
        }
        if layers.isEmpty {
            throw CodecError(.unsupported, "no colour channels (R, G, B or Y); the channels are \(channelList(parts))")
        }
        throw CodecError(.unsupported, "several colour layers (\(layers.joined(separator: ", "))); choose one with --rgb-layer")
    }

    private func depth(_ parts: [EXRCodec.Part]) throws(CodecError) -> Pick {
        if let channel {
            for part in parts {
                if let i = part.channels.firstIndex(where: { $0.name == channel }) {
                    return Pick(part: part.index, channels: [i], names: [channel])
                }
            }
            throw CodecError(.unsupported, "no channel \"\(channel)\"; the channels are \(channelList(parts))")
        }
        // Best match first: Z; a depth layer's Z (depth.Z, ViewLayer.Depth.Z); a channel called depth;
        // any layer's Z; the only channel of a one-channel part.
        func rank(_ name: String, in part: EXRCodec.Part) -> Int? {
            let components = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let last = components.last ?? name
            let parent = components.count > 1 ? components[components.count - 2].lowercased() : ""
            if name == "Z" || name == "z" { return 0 }
            if (last == "Z" || last == "z" || last == "V") && parent.contains("depth") { return 1 }
            if last.lowercased() == "depth" || last.lowercased() == "zdepth" { return 2 }
            if last == "Z" || last == "z" { return 3 }
            if part.channels.count == 1 { return 4 }
            return nil
        }
        var best: (rank: Int, pick: Pick)?
        for part in parts {
            for (i, channel) in part.channels.enumerated() {
                guard let r = rank(channel.name, in: part) else { continue }
                if best == nil || r < best!.rank {
                    best = (r, Pick(part: part.index, channels: [i], names: [channel.name]))
                }
            }
        }
        guard let best else {
            throw CodecError(.unsupported, "no depth channel (Z, depth.Z, ...); the channels are \(channelList(parts)); name one with --depth-channel")
        }
        return best.pick
    }

    /// Layer prefixes that have R, G and B channels.
    private func colourLayers(_ parts: [EXRCodec.Part]) -> [String] {
        var layers: [String] = []
        for part in parts {
            let names = Set(part.channels.map(\.name))
            for name in part.channels.map(\.name) where name.hasSuffix(".R") {
                let prefix = String(name.dropLast(2))
                if names.contains(prefix + ".G") && names.contains(prefix + ".B") && !layers.contains(prefix) { layers.append(prefix) }
            }
        }
        return layers
    }

    private func lastComponent(_ name: String) -> String {
        name.split(separator: ".").last.map(String.init) ?? name
    }

    private func channelList(_ parts: [EXRCodec.Part]) -> String {
        let names = parts.flatMap { part in part.channels.map { parts.count > 1 ? "\(part.name ?? "part \(part.index)"):\($0.name)" : $0.name } }
        return names.prefix(24).joined(separator: ", ") + (names.count > 24 ? ", ..." : "")
    }
}
