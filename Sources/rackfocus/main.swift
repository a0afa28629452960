import RackFocusCLI

RackFocusCommand.runMain()
