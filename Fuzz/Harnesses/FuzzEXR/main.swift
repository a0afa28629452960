import FuzzSupport
import RackFocusIO

/// Any bytes: the OpenEXR reader (header, colour and depth selection, every part) must return or throw.
FuzzDriver.run { bytes in
    let limits = DecodeLimits(maxPixels: 1 << 22)
    _ = try? EXRCodec.decode(bytes, selection: .colour, limits: limits)
    _ = try? EXRCodec.decode(bytes, selection: .depth, limits: limits)
    if let parts = try? EXRCodec.header(bytes, limits: limits), parts.count > 1, let name = parts[1].name {
        _ = try? EXRCodec.decode(bytes, selection: EXRSelection(role: .colour, part: name), limits: limits)
    }
}
