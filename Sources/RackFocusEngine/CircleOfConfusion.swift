/// How depth turns into blur. Every model feeds one internal form, linear in disparity
/// `d = 1/z` (z in metres):
///
///     r(d) = clamp(K · shrink(d_f − d), −r_max, r_max)      signed radius in pixels
///
/// r > 0 behind the focal plane, r < 0 in front of it; `shrink` removes an optional in-focus
/// band (Nuke's `dof`). See docs in README ("The lens").
public struct CircleOfConfusion: Sendable, Equatable {
    /// Pixels of radius per unit of disparity (px · m).
    public var scale: Float
    /// Disparity of the focal plane (1/m).
    public var focusDisparity: Float
    /// Half-width of the in-focus band in disparity (0 = none).
    public var deadZone: Float
    /// The cap on |r| in pixels.
    public var maximumRadius: Float

    public init(scale: Float, focusDisparity: Float, deadZone: Float = 0, maximumRadius: Float) {
        self.scale = scale
        self.focusDisparity = focusDisparity
        self.deadZone = deadZone
        self.maximumRadius = maximumRadius
    }

    /// Signed radius in pixels of a point at disparity `d`.
    @inlinable @inline(__always)
    public func radius(disparity d: Float) -> Float {
        var delta = focusDisparity - d
        if deadZone > 0 {
            let magnitude = max(0, abs(delta) - deadZone)
            delta = delta < 0 ? -magnitude : magnitude
        }
        let r = scale * delta
        return min(maximumRadius, max(-maximumRadius, r))
    }
}

/// A lens, physical or artistic, that produces a `CircleOfConfusion` for a focus distance.
public enum LensModel: Sendable, Equatable {
    /// A thin lens. Focal length and sensor width in millimetres.
    /// `breathing` on: Potmesil–Chakravarty (magnification changes with focus, as in Blender);
    /// off: an idealised lens with fixed field of view (as Mitsuba's `thinlens` camera).
    case thinLens(focalLength: Double, fNumber: Double, sensorWidth: Double, breathing: Bool)
    /// Nuke ZDefocus style: `size` is the blur radius (px) of a point at infinity (at the image's
    /// width, not scaled), `dof` the depth of the in-focus band around the focal plane (metres).
    case artistic(size: Double, dof: Double)
    /// The depth value is the blur radius itself, times `size` (Nuke `math: direct`). Focus is ignored.
    case direct(size: Double)

    /// The blur model for focus distance `focus` (metres) on an image `imageWidth` pixels wide.
    public func circleOfConfusion(focus: Double, imageWidth: Int, maximumRadius: Double) -> CircleOfConfusion {
        switch self {
        case let .thinLens(f, n, sensor, breathing):
            let fMetres = f / 1000
            let pixelsPerMetreOnSensor = Double(imageWidth) / (sensor / 1000)
            var k = pixelsPerMetreOnSensor * fMetres * fMetres / (2 * n)  // = a · f_px, a = f/(2N)
            if breathing && focus > fMetres { k *= focus / (focus - fMetres) }
            return CircleOfConfusion(scale: Float(k), focusDisparity: Float(1 / focus), maximumRadius: Float(maximumRadius))
        case let .artistic(size, dof):
            var dead = 0.0
            if dof > 0 {
                let near = max(focus - dof / 2, 1e-6)
                dead = (1 / near - 1 / (focus + dof / 2)) / 2
            }
            return CircleOfConfusion(scale: Float(size * focus), focusDisparity: Float(1 / focus), deadZone: Float(dead),
                                     maximumRadius: Float(maximumRadius))
        case let .direct(size):
            // The prepared "disparity" of direct depth is −value, so r = size · value.
            return CircleOfConfusion(scale: Float(size), focusDisparity: 0, maximumRadius: Float(maximumRadius))
        }
    }

    /// Pixels of radius per unit of disparity, independent of focus where possible; used to size
    /// depth layers once per input frame. `typicalFocus` (metres) serves the artistic model.
    public func layerScale(imageWidth: Int, typicalFocus: Double) -> Double {
        switch self {
        case let .thinLens(f, n, sensor, _):
            let fMetres = f / 1000
            return Double(imageWidth) / (sensor / 1000) * fMetres * fMetres / (2 * n)
        case let .artistic(size, _): return size * typicalFocus
        case let .direct(size): return size
        }
    }
}
