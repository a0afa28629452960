import RackFocusCore

/// An 8-bit RGB drawing surface for plots, legends and contact sheets.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    public private(set) var pixels: [UInt8]

    public typealias Colour = (UInt8, UInt8, UInt8)

    public init(width: Int, height: Int, background: Colour = (255, 255, 255)) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, colour: background)
    }

    @inline(__always)
    public mutating func set(_ x: Int, _ y: Int, _ c: Colour) {
        guard x >= 0 && x < width && y >= 0 && y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = c.0; pixels[i + 1] = c.1; pixels[i + 2] = c.2
    }

    /// Fills a rectangle; the parts outside the canvas are skipped.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, colour: Colour) {
        let x0 = max(0, x), x1 = min(width, x + w), y0 = max(0, y), y1 = min(height, y + h)
        guard x0 < x1 && y0 < y1 else { return }
        for yy in y0..<y1 {
            for xx in x0..<x1 { set(xx, yy, colour) }
        }
    }

    /// A line `thickness` pixels wide (DDA with square brushes).
    public mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, colour: Colour, thickness: Int = 1) {
        let steps = max(1, Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)))
        let half = thickness / 2
        for i in 0...steps {
            let t = Double(i) / Double(steps)
            let x = Int((x0 + (x1 - x0) * t).rounded()), y = Int((y0 + (y1 - y0) * t).rounded())
            fill(x: x - half, y: y - half, width: thickness, height: thickness, colour: colour)
        }
    }

    public mutating func disc(_ cx: Double, _ cy: Double, radius: Double, colour: Colour) {
        let r = Int(radius.rounded(.up))
        for dy in -r...r {
            for dx in -r...r where Double(dx * dx + dy * dy) <= radius * radius {
                set(Int(cx.rounded()) + dx, Int(cy.rounded()) + dy, colour)
            }
        }
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel `scale` x `scale`.
    public mutating func text(_ text: String, x: Int, y: Int, scale: Int = 1, colour: Colour = (0, 0, 0)) {
        var cursor = x
        for character in text {
            let rows = BitmapFont.rows(character)
            for (row, bits) in rows.enumerated() {
                for (column, bit) in bits.enumerated() where bit == "#" {
                    fill(x: cursor + column * scale, y: y + row * scale, width: scale, height: scale, colour: colour)
                }
            }
            cursor += (BitmapFont.glyphWidth + 1) * scale
        }
    }

    /// Copies an image (8-bit RGB raster) with its top-left corner at (x, y).
    public mutating func draw(_ image: RasterImage, x: Int, y: Int) {
        guard case .uint8(let v) = image.samples else { return }
        for yy in 0..<image.height {
            for xx in 0..<image.width {
                let i = (yy * image.width + xx) * image.channels
                let c = image.channels >= 3 ? (v[i], v[i + 1], v[i + 2]) : (v[i], v[i], v[i])
                set(x + xx, y + yy, c)
            }
        }
    }

    public var raster: RasterImage { RasterImage(width: width, height: height, channels: 3, samples: .uint8(pixels)) }
}
