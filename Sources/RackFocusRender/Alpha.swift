import RackFocusCore
import RackFocusIO

/// Alpha, kept through the defocus as Nuke's ZDefocus keeps it: colour premultiplied by alpha and
/// the alpha itself are blurred alike, so a transparent pixel adds no colour and an edge between
/// colour and nothing keeps its colour instead of darkening. Files differ in what they store: PNG
/// straight (unassociated) alpha, OpenEXR premultiplied (associated); JPEG and PFM hold no alpha
/// and get the premultiplied colour (the picture over black).
enum Alpha {
    /// RGBA as read, split into premultiplied RGB and alpha (as three equal planes, so the engine
    /// defocuses it like colour).
    static func split(_ image: PlanarImage, premultiplied: Bool) -> (colour: PlanarImage, alpha: PlanarImage) {
        let n = image.pixelCount
        var colour = [Float](repeating: 0, count: 3 * n)
        var alpha = [Float](repeating: 0, count: 3 * n)
        image.samples.withUnsafeBufferPointer { s in
            for i in 0..<n {
                let a = s[3 * n + i]
                let scale = premultiplied ? 1 : a
                colour[i] = s[i] * scale
                colour[n + i] = s[n + i] * scale
                colour[2 * n + i] = s[2 * n + i] * scale
                alpha[i] = a; alpha[n + i] = a; alpha[2 * n + i] = a
            }
        }
        return (PlanarImage(width: image.width, height: image.height, channels: 3, samples: colour),
                PlanarImage(width: image.width, height: image.height, channels: 3, samples: alpha))
    }

    /// Premultiplied RGB and its alpha (the first plane of `alpha`) as one premultiplied RGBA image.
    static func join(colour: PlanarImage, alpha: PlanarImage) -> PlanarImage {
        let n = colour.pixelCount
        return PlanarImage(width: colour.width, height: colour.height, channels: 4,
                           samples: Array(colour.samples[0..<3 * n]) + alpha.samples[0..<n])
    }

    /// An RGBA picture as the file at `path` stores it: straight alpha for PNG, premultiplied for
    /// OpenEXR, premultiplied RGB without alpha for JPEG and PFM. RGB pictures pass unchanged.
    static func forOutput(_ image: PlanarImage, premultiplied: Bool, path: String) -> PlanarImage {
        guard image.channels == 4 else { return image }
        let n = image.pixelCount
        let format = ImageFormat.fromExtension(path)
        switch format {
        case .jpeg, .pfm:
            let colour = premultiplied ? image : convert(image, toPremultiplied: true)
            return PlanarImage(width: image.width, height: image.height, channels: 3, samples: Array(colour.samples[0..<3 * n]))
        case .exr:
            return premultiplied ? image : convert(image, toPremultiplied: true)
        case .png, nil:
            return premultiplied ? convert(image, toPremultiplied: false) : image
        }
    }

    /// Multiplies colour by alpha, or divides it (colour 0 where alpha is 0).
    static func convert(_ image: PlanarImage, toPremultiplied: Bool) -> PlanarImage {
        let n = image.pixelCount
        var out = image
        out.samples.withUnsafeMutableBufferPointer { s in
            for i in 0..<n {
                let a = s[3 * n + i]
                let scale: Float = toPremultiplied ? a : (a > 0 ? 1 / a : 0)
                s[i] *= scale; s[n + i] *= scale; s[2 * n + i] *= scale
            }
        }
        return out
    }
}
