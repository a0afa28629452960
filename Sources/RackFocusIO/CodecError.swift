/// A problem found while decoding or encoding image bytes (no file name yet).
public struct CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case empty, signature, corrupt, unsupported, tooLarge, memory, argument
    }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// A problem with an image file: names the file and says what is wrong, on one line.
public struct ImageFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case notFound, unreadable, empty, unknownFormat, corrupt, unsupported, tooLarge, writeFailed
        case overwritesInput, mismatch, missingFrames
    }
    public let path: String
    public let kind: Kind
    public let message: String

    public init(path: String, kind: Kind, message: String) {
        self.path = path
        self.kind = kind
        self.message = message
    }

    init(path: String, codec: CodecError) {
        let kind: Kind = switch codec.kind {
        case .empty: .empty
        case .signature: .unknownFormat
        case .corrupt, .memory, .argument: .corrupt
        case .unsupported: .unsupported
        case .tooLarge: .tooLarge
        }
        self.init(path: path, kind: kind, message: codec.message)
    }

    public var description: String { "\(path): \(message)" }
}

/// Guards against absurd declared sizes before any pixel memory is allocated.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest width * height accepted. Default 2^27 = 134,217,728 pixels (e.g. 16384 x 8192),
    /// about 2 GiB as planar RGBA float.
    public var maxPixels: Int

    public init(maxPixels: Int = 1 << 27) {
        self.maxPixels = maxPixels
    }

    public static let `default` = DecodeLimits()
}
