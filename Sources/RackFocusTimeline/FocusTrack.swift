/// Focus over time: keyframes at frame numbers, eased segments between them.
///
/// The focus at a frame is a pure function of the track, the frame number and (for point keys)
/// that frame's depth, so any frame or chunk of frames renders the same alone or in a sequence.
public struct FocusTrack: Sendable, Equatable {
    /// What a keyframe sets the focus to.
    public enum Target: Sendable, Equatable {
        /// A distance in metres.
        case distance(Double)
        /// The depth under image point (x, y) (pixels from the top-left), picked robustly from the
        /// depth of the frame being rendered (see `FocusPicker`).
        case point(x: Double, y: Double)
    }

    public struct Key: Sendable, Equatable {
        public var frame: Int
        public var target: Target
        /// Easing of the segment that ends at this key (nil: the track's default).
        public var easing: Easing?

        public init(frame: Int, target: Target, easing: Easing? = nil) {
            self.frame = frame
            self.target = target
            self.easing = easing
        }
    }

    /// The space in which focus is interpolated.
    public enum Space: String, Sendable, CaseIterable {
        /// 1/distance: every pixel's blur then changes linearly with the eased progress, so a pull
        /// towards a far subject does not rush at the end (the default).
        case diopter
        /// Distance in metres, as a naive keyframe curve would.
        case distance
    }

    public private(set) var keys: [Key]
    public var defaultEasing: Easing
    public var space: Space

    public struct Error: Swift.Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// - Throws: when there is no key, two keys share a frame, or a distance is not positive.
    public init(keys: [Key], defaultEasing: Easing = .linear, space: Space = .diopter) throws(Error) {
        guard !keys.isEmpty else { throw Error(description: "no focus given") }
        let sorted = keys.sorted { $0.frame < $1.frame }
        for i in 1..<max(1, sorted.count) where sorted[i].frame == sorted[i - 1].frame {
            throw Error(description: "two focus keys at frame \(sorted[i].frame)")
        }
        for key in sorted {
            if case .distance(let d) = key.target, !(d > 0 && d.isFinite) {
                throw Error(description: "focus at frame \(key.frame) must be a positive distance, got \(d)")
            }
        }
        self.keys = sorted
        self.defaultEasing = defaultEasing
        self.space = space
    }

    /// The segment governing `frame`: the keys before and after it and the eased progress.
    /// Before the first key and after the last, focus holds (progress 0 on a one-key segment).
    public func segment(at frame: Int) -> (from: Key, to: Key, progress: Double) {
        let (a, b, t) = keySegment(frames: keys.map(\.frame), at: frame)
        return (keys[a], keys[b], a == b ? 0 : (keys[b].easing ?? defaultEasing)(t))
    }

    /// Focus distance (metres) at `frame`. `pick` resolves a point key to a distance using the
    /// depth of the frame being rendered; it is called only for point keys of the governing segment.
    public func focus(at frame: Int, pick: (Double, Double) -> Double) -> Double {
        let (from, to, progress) = segment(at: frame)
        func resolve(_ target: Target) -> Double {
            switch target {
            case .distance(let d): return d
            case let .point(x, y): return pick(x, y)
            }
        }
        let a = resolve(from.target)
        if progress == 0 || from == to { return a }
        let b = resolve(to.target)
        if progress == 1 { return b }
        switch space {
        case .diopter: return 1 / ((1 - progress) / a + progress / b)
        case .distance: return a + (b - a) * progress
        }
    }

    /// Whether any key picks focus from the depth.
    public var usesPoints: Bool {
        keys.contains { if case .point = $0.target { true } else { false } }
    }
}

/// Picks a focus distance from depth around an image point: the median disparity over a disc of
/// `radius` pixels, so a point on a depth edge goes to the side that covers most of the disc rather
/// than jumping between foreground and background.
public struct FocusPicker: Sendable {
    public var radius: Int

    public init(radius: Int = 4) {
        self.radius = radius
    }

    /// - Parameters:
    ///   - disparity: width × height disparities (1/m), larger = nearer.
    /// - Returns: the distance in metres (clamped into the image if the point is outside it).
    public func distance(x: Double, y: Double, disparity: [Float], width: Int, height: Int) -> Double {
        let cx = max(0, min(width - 1, Int(x.rounded(.down))))
        let cy = max(0, min(height - 1, Int(y.rounded(.down))))
        var samples: [Float] = []
        for dy in -radius...radius {
            for dx in -radius...radius where dx * dx + dy * dy <= radius * radius {
                let px = cx + dx, py = cy + dy
                guard px >= 0 && px < width && py >= 0 && py < height else { continue }
                samples.append(disparity[py * width + px])
            }
        }
        samples.sort()
        let median = samples[samples.count / 2]
        return median > 0 ? 1 / Double(median) : 1e6
    }
}
