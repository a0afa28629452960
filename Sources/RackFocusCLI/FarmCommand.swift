import ArgumentParser
import Foundation
import RackFocusIO
import RackFocusRender

/// `rackfocus farm`: render a shot on a farm.
struct FarmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "farm",
        abstract: "Render a shot on a render farm: Slurm job arrays, OpenJD templates, and a check of the finished sequence.",
        subcommands: [FarmSlurmCommand.self, FarmOpenJDCommand.self, FarmCheckCommand.self])
}

/// Options every farm job description shares.
struct FarmOptions: ParsableArguments {
    @Option(help: "Most frames one task renders (contiguous chunks of the shot's frames).")
    var chunk: Int = 10

    @Option(help: ArgumentHelp("The rackfocus executable the nodes run (default: this one). A build with the Swift runtime linked in (--static-swift-stdlib) runs on nodes without the toolchain.", valueName: "PATH"))
    var rackfocus: String?

    @Option(help: ArgumentHelp("The job's name (default: rackfocus-NAME of the output pattern).", valueName: "NAME"))
    var name: String?

    func validate() throws {
        guard chunk >= 1 else { throw ValidationError("--chunk must be at least 1") }
    }

    /// The shot, its frame job and what a node needs to run it.
    func resolve(_ options: ShotOptions) throws -> (shot: Shot, job: FrameJob, portable: String, executable: String, name: String) {
        let shot = try options.shot()
        let job = try FrameJob(shot: shot, writesOutput: true)
        let folder = FileManager.default.currentDirectoryPath
        let executable = rackfocus.map { $0.hasPrefix("/") ? $0 : folder + "/" + $0 } ?? Self.thisExecutable
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ShotError("--rackfocus \(executable): not an executable file")
        }
        let base = job.output.map { ($0.text as NSString).lastPathComponent } ?? "shot"
        let stem = base.split(separator: ".").first.map(String.init) ?? "shot"
        return (shot, job, try Farm.portableShot(shot, relativeTo: folder), executable, name ?? "rackfocus-" + stem)
    }

    static var thisExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// `rackfocus farm slurm`: an sbatch script of a job array, optionally submitted.
struct FarmSlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write (and with --submit, submit) a Slurm job array that renders the shot in chunks.",
        discussion: """
            Each array task renders one chunk (the array index is the chunk number, not a frame number) with \
            --skip-existing and --threads $SLURM_CPUS_PER_TASK, retries it when it fails with exit code 1 (never \
            on exit code 2, bad input), and hands SIGTERM (scancel) to the renderer, which removes its partial \
            file. Paths are absolute; the shot travels inside the script. Logs: LOG-DIR/NAME.JOB_TASK.log. \
            With --submit, a second job runs after the array (afterany) and checks the sequence (farm check); \
            the array's job id is the last line printed.
            """)

    @OptionGroup var options: ShotOptions
    @OptionGroup(title: "Farm") var farm: FarmOptions

    @Option(name: .customLong("max-running"), help: "Most array tasks running at once.")
    var maxRunning: Int?

    @Option(help: "The Slurm partition.")
    var partition: String?

    @Option(name: .customLong("cpus-per-task"), help: "CPUs per task (each render uses them all).")
    var cpusPerTask: Int = 2

    @Option(help: "Times a chunk that failed with exit code 1 is run again within its task.")
    var retries: Int = 1

    @Option(name: .customLong("log-dir"), help: ArgumentHelp("Folder of the task logs (created; default: a logs folder beside the output).", valueName: "DIR"))
    var logDir: String?

    @Option(help: ArgumentHelp("Write the script to this file instead of standard output.", valueName: "FILE"))
    var script: String?

    @Flag(help: "Submit the array with sbatch, then a check job after it; print the array's job id last.")
    var submit = false

    func validate() throws {
        if let maxRunning, maxRunning < 1 { throw ValidationError("--max-running must be at least 1") }
        guard cpusPerTask >= 1 else { throw ValidationError("--cpus-per-task must be at least 1") }
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
    }

    func run() throws {
        let (_, job, portable, executable, name) = try farm.resolve(options)
        let output = job.output!.path(for: job.frames[0])
        let outputFolder = output.contains("/") ? String(output[..<output.lastIndex(of: "/")!]) : FileManager.default.currentDirectoryPath
        let cwd = FileManager.default.currentDirectoryPath
        let logs = logDir.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 } ?? (outputFolder.hasPrefix("/") ? outputFolder : cwd + "/" + outputFolder) + "/logs"
        try FileSystem.makeFolders(logs)  // Slurm does not create the folder of --output
        var array = SlurmArray(name: name, chunks: Farm.chunks(job.frames, size: farm.chunk), shot: portable,
                               rackfocus: executable, logFolder: logs)
        array.maxRunning = maxRunning
        array.partition = partition
        array.cpusPerTask = cpusPerTask
        array.retries = retries
        if let script {
            try FileSystem.writeAtomically(Array(array.script.utf8), to: script)
        } else if !submit {
            print(array.script, terminator: "")
        }
        guard submit else { return }
        let arrayID = try SlurmArray.submit(array.script)
        let checkID = try SlurmArray.submit(array.checkScript, arguments: ["--dependency=afterany:\(arrayID)"])
        print("submitted \(array.chunks.count) chunk\(array.chunks.count == 1 ? "" : "s") of \(job.frames.count) frames as job array \(arrayID); check job \(checkID) runs after it; logs in \(logs)")
        print(arrayID)
    }
}

/// `rackfocus farm openjd`: an OpenJD job template.
struct FarmOpenJDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openjd",
        abstract: "Write an Open Job Description template (AWS Deadline Cloud's job format) that renders the shot in chunks.",
        discussion: "Uses the TASK_CHUNKING extension: a CHUNK[INT] task parameter gives each task a contiguous range of at most --chunk frames. Check and run it locally with openjd-cli: openjd check TEMPLATE; openjd run TEMPLATE --step Render.")

    @OptionGroup var options: ShotOptions
    @OptionGroup(title: "Farm") var farm: FarmOptions

    @Option(help: ArgumentHelp("Write the template to this file instead of standard output.", valueName: "FILE"))
    var template: String?

    func run() throws {
        let (_, job, portable, executable, name) = try farm.resolve(options)
        let yaml = OpenJDTemplate(name: name, frames: FrameRange.text(job.frames), chunkSize: farm.chunk, shot: portable, rackfocus: executable).yaml
        if let template {
            try FileSystem.writeAtomically(Array(yaml.utf8), to: template)
        } else {
            print(yaml, terminator: "")
        }
    }
}

/// `rackfocus farm check`: is the rendered sequence complete?
struct FarmCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that every output frame of the shot exists and decodes.",
        discussion: "Exit 0 when the sequence is complete; else exit 1 and one line naming the missing and unreadable frames (missing 1010, 1017-1019). Exit 2 for bad input.")

    @OptionGroup var options: ShotOptions

    func run() throws {
        let shot = try options.shot()
        let check = try Farm.check(FrameJob(shot: shot, writesOutput: true))
        guard check.complete else {
            printError("farm check: " + check.summary)
            throw ExitCode(1)
        }
        print("farm check: " + check.summary)
    }
}
