import Foundation
import Testing
@testable import RackFocusCore
@testable import RackFocusIO

/// Damaged files must come back as a decoded image or a thrown error: never a crash, an abort
/// or a message printed by libpng/libjpeg (a crash would end this test process).
@Suite struct CorruptionTests {
    /// xorshift64*, fixed seed: the same cases on every run.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 2685821657736338717
        }
    }

    static let files = ["codecs/rgb8.png", "codecs/rgb8_interlaced.png", "codecs/gray16.png", "codecs/palette4.png",
                        "codecs/baseline.jpg", "codecs/progressive.jpg", "codecs/gray.jpg", "codecs/rgb_le.pfm"]

    @Test(arguments: files)
    func truncatedAndBitFlippedFilesNeverCrash(name: String) throws {
        let original = try FileSystem.read(Fixtures.path(name))
        var rejected = 0
        // A damaged file that does not decode must fail with the codecs' error (one line), not another error.
        func attempt(_ bytes: [UInt8]) {
            do {
                _ = try ImageFile.decode(bytes, path: name, limits: .default)
            } catch let error as CodecError {
                #expect(!error.message.isEmpty && !error.message.contains("\n"), "\(name): \(error)")
                rejected += 1
            } catch {
                Issue.record("\(name): not a CodecError: \(error)")
            }
        }
        // Every truncation point.
        for length in 0..<original.count { attempt(Array(original[0..<length])) }
        // Random byte flips, 1 to 4 per case.
        var random = Random(state: 0x9E37_79B9_7F4A_7C15 ^ UInt64(name.utf8.count))
        for _ in 0..<400 {
            var bytes = original
            for _ in 0...(random.next() % 4) {
                let at = Int(random.next() % UInt64(bytes.count))
                bytes[at] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            }
            attempt(bytes)
        }
        #expect(rejected >= original.count - 1, "truncated files must be rejected (\(name))")
    }

    @Test func emptyAndForeignFilesNameTheProblem() throws {
        let folder = Fixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileSystem.writeAtomically([], to: folder + "/empty.png")
        try FileSystem.writeAtomically(Array("hello, world".utf8), to: folder + "/text.png")
        try FileSystem.writeAtomically([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], to: folder + "/signature.png")
        let empty = #expect(throws: ImageFileError.self) { try ImageFile.read(folder + "/empty.png") }
        #expect(empty?.kind == .empty)
        #expect(empty?.description == "\(folder)/empty.png: file is empty")
        let text = #expect(throws: ImageFileError.self) { try ImageFile.read(folder + "/text.png") }
        #expect(text?.kind == .unknownFormat)
        let signature = #expect(throws: ImageFileError.self) { try ImageFile.read(folder + "/signature.png") }
        #expect(signature?.kind == .corrupt)
        let missing = #expect(throws: ImageFileError.self) { try ImageFile.read(folder + "/nothing.png") }
        #expect(missing?.kind == .notFound)
    }
}
