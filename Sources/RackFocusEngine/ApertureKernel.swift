import RackFocusCore

/// The shape of the lens aperture, i.e. of out-of-focus highlights.
public enum ApertureShape: Sendable, Equatable {
    case disc
    /// A polygon of `blades` straight blades (3-16), rotated by `rotation` degrees; `roundness`
    /// 0 gives straight blades, 1 a disc, values between curved blades.
    case bladed(blades: Int, rotation: Double, roundness: Double)
}

/// Precomputed row spans of the aperture at every radius, quantised to 1/16 px.
///
/// For radius index q (r = q/16) the kernel covers rows dy = −extent...extent. Row dy carries one
/// span [left, right] (pixels, relative to the source pixel's centre) whose width is the exact
/// area of the shape inside the strip [dy − ½, dy + ½]. Every source pixel deposits
/// colour / area over its spans, so energy is conserved exactly, and because strip areas vary
/// continuously with r the kernel does too: a slow focus pull never pops.
struct ApertureKernel: Sendable {
    static let subdivisions: Float = 16

    let maximumIndex: Int
    /// Per radius index: first row's position in `left`/`right`.
    let rowStart: [Int32]
    /// Per radius index: rows reach from −extent to +extent.
    let extent: [Int32]
    /// Per radius index: 1 / total area (0 for index 0, which is a delta).
    let inverseArea: [Float]
    let left: [Float]
    let right: [Float]

    init(shape: ApertureShape, maximumRadius: Float) {
        let maximumIndex = Int((maximumRadius * ApertureKernel.subdivisions).rounded(.up))
        self.maximumIndex = maximumIndex
        var rowStart = [Int32](repeating: 0, count: maximumIndex + 1)
        var extent = [Int32](repeating: 0, count: maximumIndex + 1)
        var inverseArea = [Float](repeating: 0, count: maximumIndex + 1)
        var left: [Float] = [0]
        var right: [Float] = [0]
        let unitShape = ApertureKernel.unitPolygon(shape)
        for q in 1...max(1, maximumIndex) where q <= maximumIndex {
            let r = Double(q) / Double(ApertureKernel.subdivisions)
            let e = Int((r - 0.5).rounded(.up))
            let rows = max(0, e)
            rowStart[q] = Int32(left.count)
            extent[q] = Int32(rows)
            var area = 0.0
            for dy in -rows...rows {
                let (l, rr) = ApertureKernel.stripSpan(unitShape, radius: r, dy: Double(dy))
                left.append(Float(l))
                right.append(Float(rr))
                area += rr - l
            }
            inverseArea[q] = area > 0 ? Float(1 / area) : 0
        }
        self.rowStart = rowStart
        self.extent = extent
        self.inverseArea = inverseArea
        self.left = left
        self.right = right
    }

    /// Radius index of a signed radius.
    @inline(__always)
    static func index(_ radius: Float) -> Int {
        Int((abs(radius) * subdivisions).rounded(.toNearestOrEven))
    }

    /// Nil for the disc (exact strip areas); otherwise the polygon's vertices at unit radius.
    static func unitPolygon(_ shape: ApertureShape) -> [(Double, Double)]? {
        guard case let .bladed(blades, rotation, roundness) = shape else { return nil }
        let n = max(3, min(16, blades))
        let round = max(0, min(1, roundness))
        let twoPi = 2 * DeterministicAngles.pi
        let rotationRadians = rotation / 180 * DeterministicAngles.pi
        // Sample the boundary finely; blend the polygon's radius with the circle's.
        let samples = 64 * n
        var points: [(Double, Double)] = []
        let apothem = DeterministicAngles.cos(DeterministicAngles.pi / Double(n))
        for i in 0..<samples {
            let theta = twoPi * Double(i) / Double(samples)
            let local = (theta - rotationRadians).truncatingRemainder(dividingBy: twoPi / Double(n))
            let wrapped = local < 0 ? local + twoPi / Double(n) : local
            let polygonRadius = apothem / DeterministicAngles.cos(wrapped - DeterministicAngles.pi / Double(n))
            let radius = polygonRadius * (1 - round) + round
            points.append((radius * DeterministicAngles.cos(theta), radius * DeterministicAngles.sin(theta)))
        }
        return points
    }

    /// The span [left, right] for row dy of the shape scaled to `radius`: width = exact area of the
    /// shape inside the strip, centred on the strip's centre of area along x.
    static func stripSpan(_ polygon: [(Double, Double)]?, radius r: Double, dy: Double) -> (Double, Double) {
        let low = max(dy - 0.5, -r)
        let high = min(dy + 0.5, r)
        guard high > low else { return (0, 0) }
        guard let polygon else {
            // Disc: area = ∫ 2·sqrt(r² − t²) dt = F(high) − F(low), F(t) = t·sqrt(r² − t²) + r²·asin(t/r).
            func f(_ t: Double) -> Double {
                t * max(0, r * r - t * t).squareRoot() + r * r * DeterministicMath.asin(max(-1, min(1, t / r)))
            }
            let area = f(high) - f(low)
            return (-area / 2, area / 2)
        }
        // Polygon: integrate the chord over 64 sub-rows (midpoint rule).
        let steps = 64
        var area = 0.0
        var moment = 0.0
        for s in 0..<steps {
            let t = (dy - 0.5 + (Double(s) + 0.5) / Double(steps)) / r  // unit-shape height
            guard let (a, b) = chord(polygon, t) else { continue }
            let width = (b - a) * r / Double(steps)
            area += width
            moment += width * (a + b) / 2 * r
        }
        guard area > 0 else { return (0, 0) }
        let centre = moment / area
        return (centre - area / 2, centre + area / 2)
    }

    /// Where the horizontal line y = t crosses a convex polygon.
    static func chord(_ polygon: [(Double, Double)], _ t: Double) -> (Double, Double)? {
        var lo = Double.infinity
        var hi = -Double.infinity
        for i in 0..<polygon.count {
            let (x0, y0) = polygon[i]
            let (x1, y1) = polygon[(i + 1) % polygon.count]
            if (y0 <= t && t <= y1) || (y1 <= t && t <= y0) {
                let x = y1 == y0 ? x0 : x0 + (x1 - x0) * (t - y0) / (y1 - y0)
                lo = min(lo, x, y1 == y0 ? x1 : x)
                hi = max(hi, x, y1 == y0 ? x1 : x)
            }
        }
        return lo <= hi ? (lo, hi) : nil
    }
}

/// sin and cos from +, −, ×, ÷ only (table building; see DeterministicMath).
enum DeterministicAngles {
    static let pi = 3.141_592_653_589_793_238_462_643_383_279

    static func sin(_ x: Double) -> Double {
        var y = x.truncatingRemainder(dividingBy: 2 * pi)
        if y > pi { y -= 2 * pi }
        if y < -pi { y += 2 * pi }
        var term = y
        var sum = y
        for n in stride(from: 3, through: 41, by: 2) {
            term *= -y * y / Double((n - 1) * n)
            sum += term
        }
        return sum
    }

    static func cos(_ x: Double) -> Double { sin(x + pi / 2) }
}
