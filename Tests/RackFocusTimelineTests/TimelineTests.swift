import Testing
@testable import RackFocusTimeline

@Suite struct EasingTests {
    static let all: [Easing] = [.linear, .hold, .easeIn, .easeOut, .easeInOut, .smoothstep,
                                .cubicBezier(0.25, 0.1, 0.25, 1), .cubicBezier(0.42, 0, 0.58, 1)]

    @Test(arguments: all)
    func endpointsAndMonotonicity(easing: Easing) {
        #expect(easing(0) == 0)
        #expect(easing(1) == 1)
        #expect(easing(-3) == 0 && easing(7) == 1)
        var previous = -1.0
        for i in 0...1000 {
            let v = easing(Double(i) / 1000)
            #expect(v >= previous - 1e-12, "\(easing) decreases at \(i)")
            previous = v
        }
    }

    @Test func namedCurves() {
        #expect(Easing.easeIn(0.5) == 0.125)
        #expect(Easing.easeOut(0.5) == 0.875)
        #expect(Easing.easeInOut(0.25) == 0.0625 && Easing.easeInOut(0.5) == 0.5 && Easing.easeInOut(0.75) == 0.9375)
        #expect(Easing.smoothstep(0.25) == 0.15625)
        #expect(Easing.hold(0.999) == 0)
    }

    /// Reference values from an independent solver (scipy brentq on x(s) = x, then y(s)).
    @Test func cubicBezierMatchesCSS() {
        let cases: [((Double, Double, Double, Double), [Double])] = [
            ((0.25, 0.1, 0.25, 1.0), [0.0947963057, 0.4085105914, 0.8024033876, 0.9604589783, 0.9943164775]),
            ((0.42, 0, 1, 1), [0.0170266097, 0.0934646507, 0.3153568126, 0.6218618692, 0.8394278458]),
            ((0.42, 0, 0.58, 1), [0.0197224535, 0.129161931, 0.5, 0.870838069, 0.9802775465]),
            ((0.17, 0.67, 0.83, 0.67), [0.2490379009, 0.4405742242, 0.6275, 0.7703500248, 0.8758600583]),
        ]
        for (p, expected) in cases {
            let easing = Easing.cubicBezier(p.0, p.1, p.2, p.3)
            for (x, y) in zip([0.1, 0.25, 0.5, 0.75, 0.9], expected) {
                #expect(abs(easing(x) - y) < 1e-7, "\(easing) at \(x): \(easing(x)) vs \(y)")
            }
        }
    }

    @Test func parsing() throws {
        #expect(try Easing(parsing: "ease-in-out") == .easeInOut)
        #expect(try Easing(parsing: "cubic-bezier(0.25, 0.1, 0.25, 1)") == .cubicBezier(0.25, 0.1, 0.25, 1))
        let error = #expect(throws: Easing.ParseError.self) { try Easing(parsing: "ease-inn") }
        #expect(error?.description == "unknown easing \"ease-inn\"; expected one of linear, hold, ease-in, ease-out, ease-in-out, smoothstep, cubic-bezier(x1,y1,x2,y2)")
        #expect(throws: Easing.ParseError.self) { try Easing(parsing: "cubic-bezier(1.5,0,0,1)") }
        #expect(throws: Easing.ParseError.self) { try Easing(parsing: "cubic-bezier(0,0,1)") }
    }
}

@Suite struct FocusTrackTests {
    @Test func interpolatesInDioptersByDefault() throws {
        let track = try FocusTrack(keys: [.init(frame: 1, target: .distance(1)), .init(frame: 3, target: .distance(4))])
        #expect(abs(track.focus(at: 2) { _, _ in 0 } - 1.6) < 1e-12)  // 1 / (0.5 · 1 + 0.5 · 0.25)
        var distance = track
        distance.space = .distance
        #expect(distance.focus(at: 2) { _, _ in 0 } == 2.5)
        // Blur is affine in 1/focus, so equal steps in diopters are equal steps of blur.
        let steps = (1...3).map { 1 / track.focus(at: $0) { _, _ in 0 } }
        #expect(abs((steps[0] - steps[1]) - (steps[1] - steps[2])) < 1e-12)
    }

    @Test func holdsBeforeTheFirstAndAfterTheLastKey() throws {
        let track = try FocusTrack(keys: [.init(frame: 10, target: .distance(2)), .init(frame: 20, target: .distance(8), easing: .easeInOut)])
        #expect(track.focus(at: 1) { _, _ in 0 } == 2)
        #expect(track.focus(at: 10) { _, _ in 0 } == 2)
        #expect(track.focus(at: 20) { _, _ in 0 } == 8)
        #expect(track.focus(at: 99) { _, _ in 0 } == 8)
        // The segment's easing belongs to the key that ends it.
        #expect(abs(track.focus(at: 15) { _, _ in 0 } - 1 / (0.5 / 2 + 0.5 / 8)) < 1e-12)
        #expect(abs(track.focus(at: 12) { _, _ in 0 } - 1 / ((1 - Easing.easeInOut(0.2)) / 2 + Easing.easeInOut(0.2) / 8)) < 1e-12)
    }

    @Test func pointKeysArePickedOnTheRenderedFrame() throws {
        let track = try FocusTrack(keys: [.init(frame: 1, target: .point(x: 5, y: 5)), .init(frame: 5, target: .distance(10))])
        var asked: [Int] = []
        for frame in [1, 3] {
            _ = track.focus(at: frame) { _, _ in asked.append(frame); return 2 }
        }
        #expect(asked == [1, 3])
        #expect(track.focus(at: 1) { _, _ in 3 } == 3)
    }

    @Test func rejectsBadTracks() {
        #expect(throws: FocusTrack.Error.self) { try FocusTrack(keys: []) }
        #expect(throws: FocusTrack.Error.self) { try FocusTrack(keys: [.init(frame: 1, target: .distance(1)), .init(frame: 1, target: .distance(2))]) }
        #expect(throws: FocusTrack.Error.self) { try FocusTrack(keys: [.init(frame: 1, target: .distance(-1))]) }
    }

    /// Depth: a near subject (1 m) left of column 20, a wall at 5 m right of it.
    @Test func pickingOnAnEdgeTakesTheMajoritySide() {
        let w = 40, h = 30
        let disparity = (0..<(w * h)).map { i in i % w < 20 ? Float(1) : Float(0.2) }
        let picker = FocusPicker(radius: 4)
        #expect(picker.distance(x: 19, y: 15, disparity: disparity, width: w, height: h) == 1)   // on the edge, subject side
        #expect(abs(picker.distance(x: 20, y: 15, disparity: disparity, width: w, height: h) - 5) < 1e-5)  // first wall column
        #expect(picker.distance(x: 5, y: 15, disparity: disparity, width: w, height: h) == 1)
        #expect(abs(picker.distance(x: 500, y: -3, disparity: disparity, width: w, height: h) - 5) < 1e-5)  // clamped into the image
    }
}

@Suite struct ValueTrackTests {
    @Test func keyedValues() throws {
        let track = try ValueTrack(parsing: ["1001:2", "1011:4:ease-in"], name: "--fstop")
        #expect(track.value(at: 990) == 2 && track.value(at: 1001) == 2)
        #expect(abs(track.value(at: 1006) - (2 + 2 * 0.125)) < 1e-12)
        #expect(track.value(at: 2000) == 4)
        #expect(try ValueTrack(parsing: ["2.8"], name: "--fstop").isConstant)
        let error = #expect(throws: FocusTrack.Error.self) { try ValueTrack(parsing: ["1:2", "x"], name: "--fstop") }
        #expect(error?.description == "--fstop \"x\": \"x\" is not a number")
        let bare = #expect(throws: FocusTrack.Error.self) { try ValueTrack(parsing: ["1:2", "3"], name: "--fstop") }
        #expect(bare?.description == "--fstop \"3\": with several keys each must be FRAME:VALUE[:EASING]")
        let frame = #expect(throws: FocusTrack.Error.self) { try ValueTrack(parsing: ["a:2"], name: "--fstop") }
        #expect(frame?.description == "--fstop \"a:2\": \"a\" is not a frame number (expected FRAME:VALUE[:EASING])")
        #expect(throws: FocusTrack.Error.self) { try ValueTrack(parsing: ["1:2", "1:3"], name: "--fstop") }
    }
}
