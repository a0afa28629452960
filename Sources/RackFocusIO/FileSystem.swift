#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private let systemRead = read

/// Whole-file reads and atomic writes with POSIX calls, and errors that name the file.
public enum FileSystem {
    static func errnoText() -> String { String(cString: strerror(errno)) }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Reads a whole file. `maxBytes` guards against reading something absurd into memory.
    /// Creates `folder` and any missing parents (as `mkdir -p`, Nuke's Write node and Blender do).
    /// - Throws: when a part exists and is not a folder, or a folder cannot be made.
    public static func makeFolders(_ folder: String) throws(ImageFileError) {
        guard !folder.isEmpty, !isDirectory(folder) else { return }
        let parent = split(folder).folder
        if parent != folder && !parent.isEmpty && parent != "." { try makeFolders(parent) }
        if exists(folder) {
            throw ImageFileError(path: folder, kind: .writeFailed, message: "is a file, so the output folder cannot be created")
        }
        if mkdir(folder, 0o777) != 0 && !(errno == EEXIST && isDirectory(folder)) {
            throw ImageFileError(path: folder, kind: .writeFailed, message: "cannot create the output folder (\(errnoText()))")
        }
    }

    public static func read(_ path: String, maxBytes: Int = 1 << 33) throws(ImageFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let kind: ImageFileError.Kind = errno == ENOENT ? .notFound : .unreadable
            throw ImageFileError(path: path, kind: kind, message: kind == .notFound ? "no such file" : "cannot open: \(errnoText())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ImageFileError(path: path, kind: .unreadable, message: "cannot stat: \(errnoText())") }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw ImageFileError(path: path, kind: .unreadable, message: "is a directory") }
        let size = Int(info.st_size)
        if size > maxBytes { throw ImageFileError(path: path, kind: .tooLarge, message: "file is \(size) bytes, over the \(maxBytes)-byte limit") }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let got = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + done, size - done) }
            if got < 0 {
                if errno == EINTR { continue }
                throw ImageFileError(path: path, kind: .unreadable, message: "read failed: \(errnoText())")
            }
            if got == 0 { bytes.removeLast(size - done); break }  // the file shrank while we read it
            done += got
        }
        return bytes
    }

    /// Writes `bytes` to a temporary file in the destination folder, then renames it into place,
    /// so a reader (or an interrupted render) never sees a half-written file.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(ImageFileError) {
        let (folder, name) = split(path)
        if !folder.isEmpty && !isDirectory(folder) {
            throw ImageFileError(path: path, kind: .writeFailed, message: "output folder \(folder) does not exist")
        }
        let temporary = (folder.isEmpty ? "" : folder + "/") + ".\(name).rftmp-\(getpid())-\(nextSerial())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw ImageFileError(path: path, kind: .writeFailed, message: "cannot create a file in \(folder.isEmpty ? "." : folder): \(errnoText())") }
        TemporaryFiles.shared.register(temporary)
        defer { TemporaryFiles.shared.unregister(temporary) }
        var done = 0
        while done < bytes.count {
            let put = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if put < 0 {
                if errno == EINTR { continue }
                let text = errnoText()
                close(fd)
                unlink(temporary)
                throw ImageFileError(path: path, kind: .writeFailed, message: "write failed: \(text)")
            }
            done += put
        }
        if close(fd) != 0 {
            let text = errnoText()
            unlink(temporary)
            throw ImageFileError(path: path, kind: .writeFailed, message: "write failed: \(text)")
        }
        if rename(temporary, path) != 0 {
            let text = errnoText()
            unlink(temporary)
            throw ImageFileError(path: path, kind: .writeFailed, message: "cannot move the finished file into place: \(text)")
        }
    }

    /// Canonical absolute path of an existing file, or of a not-yet-existing file in an existing folder.
    public static func canonical(_ path: String) -> String {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        let (folder, name) = split(path)
        if let resolved = realpath(folder.isEmpty ? "." : folder, nil) {
            defer { free(resolved) }
            return String(cString: resolved) + "/" + name
        }
        return path
    }

    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }

    private static let serial = Counter()
    static func nextSerial() -> Int { serial.next() }

    /// A hidden temporary name beside `path` in its folder (renamed into place once complete).
    public static func temporaryName(for path: String) -> String {
        let (folder, name) = split(path)
        return (folder.isEmpty ? "" : folder + "/") + ".\(name).rftmp-\(getpid())-\(nextSerial())"
    }
}

/// A thread-safe counter for unique temporary names.
final class Counter: @unchecked Sendable {
    private var value = 0
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }
    func next() -> Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        value += 1
        return value
    }
}

/// Temporary files being written right now, so an interrupt handler can remove them.
public final class TemporaryFiles: @unchecked Sendable {
    public static let shared = TemporaryFiles()
    private var paths = Set<String>()
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }

    public func register(_ path: String) {
        pthread_mutex_lock(&lock); paths.insert(path); pthread_mutex_unlock(&lock)
    }

    public func unregister(_ path: String) {
        pthread_mutex_lock(&lock); paths.remove(path); pthread_mutex_unlock(&lock)
    }

    /// Deletes every temporary file still open (called on SIGINT/SIGTERM before exiting).
    public func removeAll() {
        pthread_mutex_lock(&lock)
        for path in paths { unlink(path) }
        paths.removeAll()
        pthread_mutex_unlock(&lock)
    }
}
