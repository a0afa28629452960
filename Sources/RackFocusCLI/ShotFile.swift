import ArgumentParser
import Foundation
import RackFocusTimeline

/// A JSON shot file: the same settings as `rackfocus render`'s options, one key per long option
/// name (README, "Shot files"). It becomes an argument list, so a file and flags mean exactly the
/// same; flags given on the command line replace the file's value of that option.
enum ShotFile {
    struct Error: Swift.Error, CustomStringConvertible {
        let path: String
        let message: String
        var description: String { "\(path): \(message)" }
    }

    enum Kind { case string, number, integer, flag, path, range, focus, keyed, plates }

    /// Every key a shot file may hold, and what it takes.
    static let keys: [String: Kind] = [
        "rgb": .path, "depth": .path, "output": .path, "frames": .string,
        "math": .string, "depth-range": .range, "near-white": .flag, "depth-unit": .string,
        "focal-length": .number, "fstop": .keyed, "sensor-width": .number, "breathing": .string,
        "size": .keyed, "dof": .number, "maximum": .number,
        "filter": .string, "blades": .integer, "rotation": .number, "roundness": .number,
        "bloom": .flag, "bloom-threshold": .number, "bloom-gain": .number,
        "focus": .focus, "focal-point": .string, "ease": .string, "interpolation": .string, "pick-radius": .integer,
        "layers": .integer, "threads": .integer, "bit-depth": .integer, "quality": .integer,
        "png-smallest": .flag, "skip-existing": .flag, "quiet": .flag, "resize-depth": .flag, "memory-limit": .integer, "view": .string, "plate": .plates,
        "rgb-layer": .string, "rgb-part": .string, "depth-channel": .string, "depth-part": .string,
        "exr-type": .string, "exr-compression": .string,
    ]

    /// Allowed words of the keys that take one of a few.
    static let choices: [String: [String]] = [
        "math": ["depth", "far=0", "far=1", "direct", "-depth", "far=-0", "far=-1", "-direct", "neg-depth", "neg-direct"],
        "depth-unit": ["m", "cm", "mm", "ft", "in"], "breathing": ["on", "off"], "filter": ["disc", "bladed"],
        "interpolation": ["diopter", "distance"], "view": ["result", "focal-plane", "coc", "depth", "layers"],
        "exr-type": ["half", "float"], "exr-compression": ["none", "rle", "zips", "zip", "piz", "pxr24", "b44", "b44a", "dwaa", "dwab"],
    ]

    /// The render arguments a shot file stands for. Relative paths are relative to the file's folder.
    static func arguments(from path: String) throws -> [String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Error(path: path, message: "cannot read the shot file")
        }
        return try arguments(json: data, path: path)
    }

    /// The render arguments of a shot file's contents; `path` names it in errors and anchors relative paths.
    static func arguments(json data: Data, path: String) throws -> [String] {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw Error(path: path, message: "not valid JSON (\((error as NSError).userInfo["NSDebugDescription"] ?? error))")
        }
        guard let object = root as? [String: Any] else { throw Error(path: path, message: "the top level must be a JSON object") }
        let folder = (path as NSString).deletingLastPathComponent
        func fail(_ key: String, _ message: String) -> Error { Error(path: path, message: "\(key): \(message)") }

        var arguments: [String] = []
        for key in object.keys.sorted() {
            let value = object[key]!
            guard let kind = keys[key] else {
                throw fail(key, "unknown key; expected one of \(keys.keys.sorted().joined(separator: ", "))")
            }
            let option = "--" + key
            switch kind {
            case .string:
                guard let text = value as? String else { throw fail(key, "expected a string") }
                if let allowed = choices[key], !allowed.contains(text) {
                    throw fail(key, "unknown value \"\(text)\"; expected one of \(allowed.joined(separator: ", "))")
                }
                if key == "ease" {
                    do { _ = try Easing(parsing: text) } catch { throw fail(key, error.description) }
                }
                // "--math=-depth": a value starting with "-" must not look like an option.
                arguments += text.hasPrefix("-") ? [option + "=" + text] : [option, text]
            case .path:
                guard let text = value as? String, !text.isEmpty else { throw fail(key, "expected a file name or pattern") }
                arguments += [option, text.hasPrefix("/") || folder.isEmpty ? text : standardized(folder + "/" + text)]
            case .number:
                guard let number = numberValue(value) else { throw fail(key, "expected a number") }
                arguments += [option, String(number)]
            case .integer:
                guard let number = wholeNumber(value) else { throw fail(key, "expected a whole number") }
                arguments += [option, String(number)]
            case .flag:
                guard isBoolean(value), let flag = value as? Bool else { throw fail(key, "expected true or false") }
                if flag { arguments.append(option) }
            case .range:
                if let pair = value as? [Any], pair.count == 2, let a = numberValue(pair[0]), let b = numberValue(pair[1]) {
                    arguments += [option, "\(a),\(b)"]
                } else {
                    throw fail(key, "expected [NEAR, FAR], two numbers")
                }
            case .focus:
                for item in try list(value, key, fail) { arguments += [option, try focusKey(item.0, item.1, fail)] }
            case .keyed:
                for item in try list(value, key, fail) { arguments += [option, try valueKey(item.0, item.1, fail)] }
            case .plates:
                for item in try list(value, key, fail) {
                    arguments += [option, try plate(item.0, item.1, folder: folder, fail)]
                }
            }
        }
        return arguments
    }

    /// A single value, or an array of keys: (key path, value) pairs.
    static func list(_ value: Any, _ key: String, _ fail: (String, String) -> Error) throws -> [(String, Any)] {
        if let array = value as? [Any] {
            guard !array.isEmpty else { throw fail(key, "expected at least one key") }
            return array.enumerated().map { ("\(key)[\($0.offset)]", $0.element) }
        }
        return [(key, value)]
    }

    /// `2.5`, `"150cm"`, `"1001:1.2:ease-in"` or `{"frame": 1001, "distance": 1.2, "ease": "ease-in"}`
    /// / `{"frame": 1024, "point": [240, 135]}`, as the CLI's FRAME:VALUE[:EASING] text.
    static func focusKey(_ path: String, _ value: Any, _ fail: (String, String) -> Error) throws -> String {
        if let number = numberValue(value) { return String(number) }
        if let text = value as? String { return text }
        guard let object = value as? [String: Any] else {
            throw fail(path, "expected a distance, \"FRAME:VALUE[:EASING]\" or {\"frame\", \"distance\" or \"point\", \"ease\"}")
        }
        for key in object.keys where !["frame", "distance", "point", "ease"].contains(key) {
            throw fail("\(path).\(key)", "unknown key; expected frame, distance, point, ease")
        }
        guard let frame = wholeNumber(object["frame"] as Any) else {
            throw fail("\(path).frame", "expected a whole frame number")
        }
        var text = "\(frame):"
        switch (object["distance"], object["point"]) {
        case (let d?, nil):
            if let number = numberValue(d) { text += String(number) } else if let s = d as? String { text += s } else {
                throw fail("\(path).distance", "expected a number or a distance with a unit (\"1.5m\")")
            }
        case (nil, let p?):
            guard let xy = p as? [Any], xy.count == 2, let x = numberValue(xy[0]), let y = numberValue(xy[1]) else {
                throw fail("\(path).point", "expected [X, Y] in pixels")
            }
            text += "@\(x),\(y)"
        default:
            throw fail(path, "give exactly one of \"distance\" and \"point\"")
        }
        if let ease = object["ease"] {
            guard let name = ease as? String else { throw fail("\(path).ease", "expected an easing name") }
            do { _ = try Easing(parsing: name) } catch { throw fail("\(path).ease", error.description) }
            text += ":" + name
        }
        return text
    }

    /// `2.8`, `"1001:2.8"` or `{"frame": 1001, "value": 2.8, "ease": "linear"}`.
    static func valueKey(_ path: String, _ value: Any, _ fail: (String, String) -> Error) throws -> String {
        if let number = numberValue(value) { return String(number) }
        if let text = value as? String { return text }
        guard let object = value as? [String: Any] else { throw fail(path, "expected a number or {\"frame\", \"value\", \"ease\"}") }
        for key in object.keys where !["frame", "value", "ease"].contains(key) {
            throw fail("\(path).\(key)", "unknown key; expected frame, value, ease")
        }
        guard let frame = wholeNumber(object["frame"] as Any) else {
            throw fail("\(path).frame", "expected a whole frame number")
        }
        guard let v = numberValue(object["value"] as Any) else { throw fail("\(path).value", "expected a number") }
        var text = "\(frame):\(v)"
        if let ease = object["ease"] {
            guard let name = ease as? String else { throw fail("\(path).ease", "expected an easing name") }
            do { _ = try Easing(parsing: name) } catch { throw fail("\(path).ease", error.description) }
            text += ":" + name
        }
        return text
    }

    /// `"fg.png@1.5m"` or `{"image": "fg.png", "depth": 1.5 | "150cm" | [keys as for fstop]}`.
    static func plate(_ path: String, _ value: Any, folder: String, _ fail: (String, String) -> Error) throws -> String {
        func resolve(_ file: String) -> String { file.hasPrefix("/") || folder.isEmpty ? file : standardized(folder + "/" + file) }
        if let text = value as? String {
            guard let at = text.lastIndex(of: "@") else { throw fail(path, "expected \"IMAGE@DEPTH\"") }
            return resolve(String(text[..<at])) + text[at...]
        }
        guard let object = value as? [String: Any] else { throw fail(path, "expected \"IMAGE@DEPTH\" or {\"image\", \"depth\"}") }
        for key in object.keys where !["image", "depth", "depth-map"].contains(key) {
            throw fail("\(path).\(key)", "unknown key; expected image, depth, depth-map")
        }
        guard let image = object["image"] as? String, !image.isEmpty else { throw fail("\(path).image", "expected a file name or pattern") }
        if let map = object["depth-map"] {
            guard let file = map as? String, !file.isEmpty, object["depth"] == nil else {
                throw fail("\(path).depth-map", "expected a file name or pattern (and no \"depth\")")
            }
            return resolve(image) + "@map:" + resolve(file)
        }
        guard let depth = object["depth"] else { throw fail("\(path).depth", "expected a distance or keys") }
        let spec: String
        if let number = numberValue(depth) {
            spec = String(number)
        } else if let text = depth as? String {
            spec = text
        } else {
            spec = try list(depth, "\(path).depth", fail).map { try valueKey($0.0, $0.1, fail) }.joined(separator: "+")
        }
        return resolve(image) + "@" + spec
    }

    /// JSON numbers (not booleans, which JSONSerialization also bridges to NSNumber).
    static func numberValue(_ value: Any) -> Double? {
        guard let number = value as? NSNumber, !isBoolean(value) else { return nil }
        return number.doubleValue
    }

    /// `a/b/../../c` -> `c`: paths as a user would write them.
    static func standardized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != "..", !last.isEmpty { parts.removeLast(); continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }

    /// A JSON whole number within ±10^12 (frame numbers and counts; larger ones would overflow).
    static func wholeNumber(_ value: Any) -> Int? {
        guard let number = numberValue(value), number == number.rounded(), abs(number) <= 1e12 else { return nil }
        return Int(number)
    }

    /// JSON true/false (Foundation hands them out as a boolean NSNumber subclass).
    static func isBoolean(_ value: Any) -> Bool {
        String(describing: type(of: value)).contains("Boolean") || type(of: value) == Bool.self
    }

    /// The long option names given on a command line.
    static func optionsGiven(_ arguments: [String]) -> Set<String> {
        Set(arguments.filter { $0.hasPrefix("--") }.map { String($0.dropFirst(2).prefix { $0 != "=" }) })
    }
}

/// Shot-file parsing for tools outside the CLI (the fuzz harness): JSON bytes to the equivalent
/// `render` arguments, which are then parsed and validated exactly as the command line is.
public enum ShotFileCheck {
    /// Throws a descriptive error for anything that `rackfocus render SHOT.json` would reject
    /// before reading any image.
    public static func validate(json: [UInt8]) throws {
        let arguments = try ShotFile.arguments(json: Data(json), path: "shot.json")
        _ = try ShotOptions.parse(arguments)
    }
}
