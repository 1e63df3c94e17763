@testable import AMECLI
import AMECore
import AMETestSupport
import Foundation
import Testing

/// On a terminal, `ame run` shows an environment build as one updating line; everything the
/// installer printed stays in the log, and is shown in full when the build fails.
@Suite struct SetupProgressTests {
    static func setup(_ text: String, step: String = "train") -> LogEvent {
        LogEvent(offset: 0, next: 0, kind: .setup, step: step, time: Date(), data: Data(text.utf8))
    }

    static let build = [
        "Building the pip environment (from requirements.txt) with Python 3.12.1 in /cache/envs/ada/pip-py3.12.1-abc\n",
        "$ /tools/uv/bin/uv venv --no-project --python /usr/bin/python3.12 /cache/envs/ada/pip-py3.12.1-abc\n",
        "Using CPython 3.12.1\n",
        "$ /tools/uv/bin/uv pip install --python /cache/envs/ada/pip-py3.12.1-abc/bin/python -r /w/requirements.txt\n",
        "Resolved 5 packages in 312ms\n",
        "Prepared 5 packages in 1.02s\n",
        "Installed 5 packages in 40ms\n",
        " + scikit-learn==1.6.1\n",
    ]

    @Test func aBuildIsOneUpdatingLineThenItsTime() {
        let terminal = TestTerminal(interactive: true)
        let renderer = LogRenderer(terminal: terminal, labelSteps: false, quietSetup: true)
        for chunk in Self.build { renderer.render(Self.setup(chunk)) }
        renderer.render(Self.setup("Built the environment in 1.4 s\n"))
        renderer.render(LogEvent(offset: 0, next: 0, kind: .stdout, step: "train", time: Date(), data: Data("epoch 1/5\n".utf8)))
        let shown = terminal.stderr
        #expect(shown.contains("Building the pip environment (from requirements.txt)"))
        #expect(shown.contains("Built the environment in 1.4 s\n"))
        #expect(shown.contains("\r\u{1B}[2Ksetup: installed 5 packages"), "\(shown.debugDescription)")
        #expect(shown.contains("setup: resolved 5 packages"))
        // The installer's own lines are not printed: they are in the log.
        #expect(!shown.contains("+ scikit-learn==1.6.1"))
        #expect(!shown.contains("$ /tools/uv/bin/uv"))
        #expect(terminal.stdout == "epoch 1/5\n")
    }

    @Test func aFailedBuildIsShownInFull() {
        let terminal = TestTerminal(interactive: true)
        let renderer = LogRenderer(terminal: terminal, labelSteps: false, quietSetup: true)
        for chunk in Self.build.prefix(4) { renderer.render(Self.setup(chunk)) }
        renderer.render(Self.setup("  × No solution found when resolving dependencies:\n"))
        renderer.render(LogEvent(offset: 0, next: 0, kind: .system, step: nil, time: Date(),
                                 data: Data("✗ step train could not start: uv failed to build the Python environment\n".utf8)))
        let shown = terminal.stderr
        #expect(shown.contains("$ /tools/uv/bin/uv pip install"), "\(shown)")
        #expect(shown.contains("No solution found when resolving dependencies"))
        #expect(shown.contains("ame: ✗ step train could not start"))
    }

    @Test func withoutATerminalOrForAmeLogsEverythingIsShown() {
        for (interactive, quiet) in [(false, true), (true, false)] {
            let terminal = TestTerminal(interactive: interactive)
            let renderer = LogRenderer(terminal: terminal, labelSteps: false, quietSetup: quiet)
            for chunk in Self.build { renderer.render(Self.setup(chunk)) }
            #expect(terminal.stderr.contains("+ scikit-learn==1.6.1"))
            #expect(!terminal.stderr.contains("\r\u{1B}[2K"))
        }
    }
}
