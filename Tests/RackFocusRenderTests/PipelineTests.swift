import Foundation
import Testing
@testable import RackFocusRender
import RackFocusCore
import RackFocusIO

/// The streaming pipeline in process (ThreadSanitizer runs over this suite in CI): the reader,
/// the render on every worker and the writer at once.
@Suite(.serialized) struct PipelineTests {
    static func temporaryFolder() -> String {
        let path = NSTemporaryDirectory() + "rackfocus-render-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [RenderEvent] = []
        func add(_ event: RenderEvent) { lock.lock(); list.append(event); lock.unlock() }
        var all: [RenderEvent] { lock.lock(); defer { lock.unlock() }; return list }
    }

    static func render(_ shot: Shot) throws -> [RenderEvent] {
        let events = Events()
        try RenderPipeline(shot: shot, job: FrameJob(shot: shot, writesOutput: true)).run { events.add($0) }
        return events.all
    }

    @Test func streamsFramesInOrderIntoANewFolderIdenticallyForAnyThreadCount() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var shot = try Shot.load(path: Paths.root + "/Fixtures/demo/shot.json")
        shot.frames = "1001,1012,1024"
        shot.threads = 2
        shot.output = folder + "/new/two.%04d.png"
        let events = try Self.render(shot)
        guard case .started(let count, let skipped) = events.first, count == 3, skipped == 0 else { Issue.record("\(events)"); return }
        let written = events.compactMap { if case .frameWritten(let f) = $0 { f } else { nil } }
        #expect(written.map(\.frame) == [1001, 1012, 1024] && written.map(\.written) == [1, 2, 3])
        #expect(written[0].detail == "focus 1.2 m, f/0.824" && written[2].path == folder + "/new/two.1024.png")
        guard case .finished(let summary) = events.last else { Issue.record("no summary"); return }
        #expect(summary.rendered == 3 && summary.output == shot.output)

        shot.threads = 1
        shot.output = folder + "/one.%04d.png"
        _ = try Self.render(shot)
        for frame in [1001, 1012, 1024] {
            #expect(try FileSystem.read(folder + "/new/two.\(frame).png") == FileSystem.read(folder + "/one.\(frame).png"))
        }
        // Resuming skips what exists.
        shot.skipExisting = true
        let resumed = try Self.render(shot)
        guard case .started(let none, let all) = resumed.first else { Issue.record("\(resumed)"); return }
        #expect(none == 0 && all == 3)
    }

    /// A chunk of a shot renders the same bytes as those frames of the whole shot, also with the
    /// artistic lens, whose layers are sized for a focus distance (once the first frame's, so a
    /// farm chunk starting at another focus cut other layers).
    @Test func chunksRenderAsTheWholeShotWithTheArtisticLens() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var shot = try Shot.load(path: Paths.root + "/Fixtures/demo/shot.json")
        shot.focalLength = nil
        shot.fstop = []
        shot.size = [ValueKey(24)]
        shot.focus = [FocusKey(frame: 1001, .distance(Length(1))), FocusKey(frame: 1024, .distance(Length(8)))]
        shot.frames = "1001,1016"
        shot.output = folder + "/whole.%04d.png"
        _ = try Self.render(shot)
        shot.frames = "1016"
        shot.output = folder + "/chunk.%04d.png"
        _ = try Self.render(shot)
        #expect(try FileSystem.read(folder + "/whole.1016.png") == FileSystem.read(folder + "/chunk.1016.png"))
    }
}
