import RackFocusCore

/// How two decoded frames differ. Differences are in code values of the expected frame's bit
/// depth (0-255 for 8-bit, 0-65535 for 16-bit, raw values for float files).
public struct FrameDifference: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var bitDepth: Int
    /// Largest absolute difference of any sample.
    public var maxAbsolute: Double
    /// Mean absolute difference over all samples.
    public var meanAbsolute: Double
    /// PSNR in dB with the format's peak (255, 65535, or 1 for float); +infinity when identical.
    public var psnr: Double
    /// Mean SSIM over channels (11 x 11 Gaussian window, sigma 1.5; Wang et al. 2004).
    public var ssim: Double
    /// Pixels where some channel differs by more than `threshold`.
    public var pixelsOver: Int
    /// Where the largest difference is.
    public var worstPixel: (x: Int, y: Int)

    public static func == (a: FrameDifference, b: FrameDifference) -> Bool {
        a.width == b.width && a.height == b.height && a.channels == b.channels && a.bitDepth == b.bitDepth
            && a.maxAbsolute == b.maxAbsolute && a.meanAbsolute == b.meanAbsolute && a.psnr == b.psnr
            && a.ssim == b.ssim && a.pixelsOver == b.pixelsOver && a.worstPixel == b.worstPixel
    }

    public var identical: Bool { maxAbsolute == 0 }

    /// Why two frames cannot be compared sample by sample.
    public struct Mismatch: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Compares two frames of the same size and channel count.
    /// - Parameters:
    ///   - threshold: a pixel counts as "over" when some channel differs by more than this (code values).
    ///   - perPixel: receives, when given, each pixel's largest channel difference (for heatmaps).
    public init(expected: RasterImage, actual: RasterImage, threshold: Double = 0,
                perPixel: ((Int, Int, Double) -> Void)? = nil) throws(Mismatch) {
        guard expected.width == actual.width && expected.height == actual.height else {
            throw Mismatch(description: "sizes differ: expected \(expected.width)x\(expected.height), actual \(actual.width)x\(actual.height)")
        }
        guard expected.channels == actual.channels else {
            throw Mismatch(description: "channel counts differ: expected \(expected.channels), actual \(actual.channels)")
        }
        width = expected.width
        height = expected.height
        channels = expected.channels
        bitDepth = expected.bitDepth
        // Values in the expected frame's code scale.
        let peak = Double(expected.maxCode)
        let a = FrameDifference.values(expected, scale: 1)
        let b = FrameDifference.values(actual, scale: peak / Double(actual.maxCode))
        var maxAbs = 0.0
        var sumAbs = 0.0
        var sumSquares = 0.0
        var over = 0
        var worst = (x: 0, y: 0)
        for y in 0..<height {
            for x in 0..<width {
                var pixelMax = 0.0
                for c in 0..<channels {
                    let i = (y * width + x) * channels + c
                    let dd = FrameDifference.difference(a[i], b[i])
                    sumAbs += dd
                    sumSquares += dd * dd
                    pixelMax = max(pixelMax, dd)
                }
                if pixelMax > maxAbs { maxAbs = pixelMax; worst = (x, y) }
                if pixelMax > threshold { over += 1 }
                perPixel?(x, y, pixelMax)
            }
        }
        let count = Double(width * height * channels)
        maxAbsolute = maxAbs
        meanAbsolute = sumAbs / count
        let mse = sumSquares / count
        psnr = mse == 0 ? .infinity : (mse.isFinite ? 10 * log10(peak * peak / mse) : -.infinity)
        pixelsOver = over
        worstPixel = worst
        var total = 0.0
        for c in 0..<channels {
            total += FrameDifference.ssim(a, b, channel: c, channels: channels, width: width, height: height, peak: peak)
        }
        ssim = total / Double(channels)
    }

    /// How far apart two samples are. Float files may hold NaN and infinities (OpenEXR's test images
    /// do): NaN equals NaN and an infinity equals the same infinity, so a file compares equal to
    /// itself; any other pairing with a non-finite sample is infinitely far apart.
    static func difference(_ a: Double, _ b: Double) -> Double {
        if a == b || (a.isNaN && b.isNaN) { return 0 }
        let d = abs(a - b)
        return d.isNaN ? .infinity : d
    }

    static func values(_ image: RasterImage, scale: Double) -> [Double] {
        switch image.samples {
        case .uint8(let v): return v.map { Double($0) * scale }
        case .uint16(let v): return v.map { Double($0) * scale }
        case .float32(let v): return v.map { Double($0) * scale }
        }
    }

    /// SSIM of one channel: Gaussian-weighted local means, variances and covariance.
    static func ssim(_ a: [Double], _ b: [Double], channel: Int, channels: Int, width: Int, height: Int, peak: Double) -> Double {
        let n = width * height
        var x = [Double](repeating: 0, count: n), y = [Double](repeating: 0, count: n)
        var same = true
        for i in 0..<n {
            // SSIM is a statistic of finite pictures: a non-finite sample counts as 0 on both sides
            // when the two agree (it is then equal), and as 0 on its own side when they do not (the
            // difference itself is reported as an infinite max diff and -inf PSNR).
            let p = a[i * channels + channel], q = b[i * channels + channel]
            same = same && difference(p, q) == 0
            x[i] = p.isFinite ? p : 0
            y[i] = q.isFinite ? q : 0
        }
        if same { return 1 }
        let kernel = gaussianKernel(sigma: 1.5, radius: 5)
        let muX = blur(x, width, height, kernel), muY = blur(y, width, height, kernel)
        let xx = blur(zip(x, x).map(*), width, height, kernel)
        let yy = blur(zip(y, y).map(*), width, height, kernel)
        let xy = blur(zip(x, y).map(*), width, height, kernel)
        let c1 = (0.01 * peak) * (0.01 * peak), c2 = (0.03 * peak) * (0.03 * peak)
        var total = 0.0
        for i in 0..<n {
            let mx = muX[i], my = muY[i]
            let vx = xx[i] - mx * mx, vy = yy[i] - my * my, cov = xy[i] - mx * my
            total += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
        }
        return total / Double(n)
    }

    static func gaussianKernel(sigma: Double, radius: Int) -> [Double] {
        // exp through DeterministicMath: reports are identical everywhere.
        let raw = (-radius...radius).map { DeterministicMath.exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let sum = raw.reduce(0, +)
        return raw.map { $0 / sum }
    }

    /// Separable blur with edge clamping.
    static func blur(_ v: [Double], _ width: Int, _ height: Int, _ kernel: [Double]) -> [Double] {
        let r = kernel.count / 2
        var tmp = [Double](repeating: 0, count: v.count)
        for y in 0..<height {
            for x in 0..<width {
                var s = 0.0
                for k in -r...r { s += kernel[k + r] * v[y * width + min(width - 1, max(0, x + k))] }
                tmp[y * width + x] = s
            }
        }
        var out = [Double](repeating: 0, count: v.count)
        for y in 0..<height {
            for x in 0..<width {
                var s = 0.0
                for k in -r...r { s += kernel[k + r] * tmp[min(height - 1, max(0, y + k)) * width + x] }
                out[y * width + x] = s
            }
        }
        return out
    }
}

/// log10 from the deterministic natural log.
func log10(_ x: Double) -> Double { DeterministicMath.log(x) / DeterministicMath.log(10) }
