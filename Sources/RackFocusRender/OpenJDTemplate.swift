/// An Open Job Description template (the job format of AWS Deadline Cloud, run locally by
/// `openjd run`) that renders a shot in chunks: the TASK_CHUNKING extension's `CHUNK[INT]` task
/// parameter hands each task a contiguous range of at most `chunkSize` frames.
public struct OpenJDTemplate: Sendable {
    public var name: String
    /// The job's frames as an OpenJD range expression (`1001-1024`, `1-99:2`).
    public var frames: String
    public var chunkSize: Int
    /// The shot file's contents, every path absolute (`Farm.portableShot`).
    public var shot: String
    /// The rackfocus executable, absolute.
    public var rackfocus: String

    public init(name: String, frames: String, chunkSize: Int, shot: String, rackfocus: String) {
        self.name = name
        self.frames = frames
        self.chunkSize = chunkSize
        self.shot = shot
        self.rackfocus = rackfocus
    }

    /// A YAML string (double-quoted, escaped).
    static func yaml(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    public var yaml: String {
        let shotLines = shot.split(separator: "\n", omittingEmptySubsequences: false).map { "            " + $0 }.joined(separator: "\n")
        return """
            specificationVersion: 'jobtemplate-2023-09'
            extensions:
            - TASK_CHUNKING
            name: \(Self.yaml(name))
            description: "RackFocus: a rack focus rendered in contiguous chunks of frames (rackfocus farm openjd)."
            parameterDefinitions:
            - name: Frames
              type: STRING
              default: \(Self.yaml(frames))
            - name: ChunkSize
              type: INT
              default: \(chunkSize)
              minValue: 1
            steps:
            - name: Render
              parameterSpace:
                taskParameterDefinitions:
                - name: Frame
                  type: CHUNK[INT]
                  range: "{{Param.Frames}}"
                  chunks:
                    defaultTaskCount: "{{Param.ChunkSize}}"
                    rangeConstraint: CONTIGUOUS
              script:
                embeddedFiles:
                - name: Shot
                  type: TEXT
                  data: |
            \(shotLines)
                actions:
                  onRun:
                    command: \(Self.yaml(rackfocus))
                    args: ["render", "{{Task.File.Shot}}", "--frames", "{{Task.Param.Frame}}", "--skip-existing"]
                    cancelation:
                      mode: NOTIFY_THEN_TERMINATE

            """
    }
}
