import Testing
@testable import RackFocusCore
@testable import RackFocusViews

/// Each view on a scene with known depths: left half at 1 m, right half at 4 m.
@Suite struct ViewsTests {
    static let width = 40, height = 20
    static let colour: PlanarImage = {
        var image = PlanarImage(width: width, height: height, channels: 3, fill: 0.5)
        return image
    }()
    static let disparity = (0..<(width * height)).map { ($0 % width) < 20 ? Float(1) : Float(0.25) }

    /// Radii with focus at 1 m and K = 10 px·m: 0 on the left, +7.5 px on the right.
    static let radiiNear = disparity.map { 10 * (1 - $0) }
    /// Focus at 4 m: −7.5 px (in front) on the left, 0 on the right.
    static let radiiFar = disparity.map { 10 * (0.25 - $0) }

    static func rgb(_ image: PlanarImage, _ x: Int, _ y: Int) -> SIMD3<Float> {
        SIMD3(image[x, y, 0], image[x, y, 1], image[x, y, 2])
    }

    @Test func focalPlaneTintsFrontFocusAndBehind() {
        let near = FocusViews.focalPlane(colour: Self.colour, radii: Self.radiiNear)
        let inFocus = Self.rgb(near, 5, 5), behind = Self.rgb(near, 35, 5)
        #expect(inFocus.y > inFocus.x && inFocus.y > inFocus.z, "in focus is green: \(inFocus)")
        #expect(behind.z > behind.x && behind.z > behind.y, "behind is blue: \(behind)")
        let far = FocusViews.focalPlane(colour: Self.colour, radii: Self.radiiFar)
        let front = Self.rgb(far, 5, 5)
        #expect(front.x > front.y && front.x > front.z, "in front is red: \(front)")
        #expect(Self.rgb(far, 35, 5).y > Self.rgb(far, 35, 5).x)
    }

    @Test func cocMapHasALegendAndItsColours() {
        let view = FocusViews.coc(radii: Self.radiiFar, width: Self.width, height: Self.height, maximum: 8)
        #expect(view.width == Self.width && view.height == Self.height + 56)
        func pixel(_ x: Int, _ y: Int) -> SIMD3<Float> {
            SIMD3(view.value(x: x, y: y, channel: 0), view.value(x: x, y: y, channel: 1), view.value(x: x, y: y, channel: 2))
        }
        #expect(pixel(5, 5).x > 150 && pixel(5, 5).z < 60, "in front: orange-red")
        #expect(pixel(35, 5).x < 40 && pixel(35, 5).z < 40, "in focus: near black")
        // The bar runs from front colour (left) to behind colour (right).
        #expect(pixel(8, Self.height + 10).x > pixel(8, Self.height + 10).z)
        #expect(pixel(Self.width - 9, Self.height + 10).z > pixel(Self.width - 9, Self.height + 10).x)
        // Text was drawn under the bar (dark pixels on the white legend).
        var ink = 0
        for y in (Self.height + 24)..<(Self.height + 56) { for x in 0..<Self.width where view.value(x: x, y: y, channel: 0) < 100 { ink += 1 } }
        #expect(ink > 20)
    }

    @Test func depthViewIsNearWhite() {
        let view = FocusViews.depth(disparity: Self.disparity, width: Self.width, height: Self.height)
        #expect(view[5, 5, 0] == 1 && view[35, 5, 0] == 0)
    }

    @Test func layersViewColoursEachLayer() {
        let index = (0..<(Self.width * Self.height)).map { Int32(($0 % Self.width) < 20 ? 1 : 0) }
        let view = FocusViews.layers(colour: Self.colour, layerIndex: index)
        #expect(Self.rgb(view, 5, 5) != Self.rgb(view, 35, 5))
        #expect(Self.rgb(view, 5, 5) == Self.rgb(view, 10, 15))
    }
}

import RackFocusDraw

@Suite struct CanvasTests {
    @Test func drawingPastTheEdgesIsClipped() {
        var canvas = Canvas(width: 10, height: 6)
        canvas.text("HELLO 123", x: 4, y: 3, scale: 2)
        canvas.text("X", x: -20, y: -20)
        canvas.line(-5, -5, 30, 30, colour: (255, 0, 0), thickness: 3)
        canvas.disc(9, 5, radius: 4, colour: (0, 0, 255))
        canvas.fill(x: 50, y: 50, width: 5, height: 5, colour: (1, 2, 3))
        // What lies inside is drawn, what lies outside is dropped (not wrapped onto another row).
        let p = canvas.pixels
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(p[(y * 10 + x) * 3..<(y * 10 + x) * 3 + 3]) }
        #expect(p.count == 10 * 6 * 3)
        #expect(pixel(1, 1) == [255, 0, 0], "the line through (0,0)-(5,5)")
        #expect(pixel(9, 5) == [0, 0, 255], "the disc's centre")
        #expect(pixel(0, 5) == [255, 255, 255], "nothing drawn there")
        #expect(pixel(9, 0) == [255, 255, 255], "a wrapped line or disc would show here")
    }

    @Test func textUsesTheBitmapFont() {
        var canvas = Canvas(width: 12, height: 7, background: (0, 0, 0))
        canvas.text("1", x: 0, y: 0, colour: (255, 255, 255))
        // "1": ..#.. on the first row, .###. on the last.
        let p = canvas.pixels
        #expect(p[(0 * 12 + 2) * 3] == 255 && p[(0 * 12 + 1) * 3] == 0)
        #expect(p[(6 * 12 + 1) * 3] == 255 && p[(6 * 12 + 3) * 3] == 255 && p[(6 * 12 + 0) * 3] == 0)
        #expect(BitmapFont.width(of: "AB") == 11)
    }
}
