import AMEPluginKit
import ArgumentParser
import Foundation

/// `ame image`: a container image of the project — a base image plus the project's locked
/// Python dependencies — built without a Docker daemon, pushed to a registry and pinned in
/// `ame.yaml`, so Kubernetes steps start without installing anything.
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Build the project's container image, push it to a registry and use it in tasks.",
        discussion: """
            Start with 'ame image init', which writes a Containerfile for the project (edit it as \
            you like); 'ame image build --push' builds it with buildah, podman or docker and \
            pushes it; 'ame image use TASK IMAGE' sets the image of a task in ame.yaml.
            """,
        subcommands: [InitImage.self, BuildImage.self, PushImage.self, UseImage.self, ListImages.self])
}

/// Options shared by the commands that reach a registry.
struct RegistryOptions: ParsableArguments {
    @Flag(name: .long, help: "Reach registries over plain HTTP or without verifying TLS (loopback registries always are).")
    var insecure = false

    @Option(name: .customLong("tls-verify"), help: ArgumentHelp("Verify TLS with the registry: true or false (default: false only for loopback registries and AME_INSECURE_REGISTRIES).", valueName: "bool"))
    var tlsVerify: Bool?

    func access(_ environment: [String: String]) -> RegistryAccess {
        RegistryAccess(environment: environment, insecure: insecure, tlsVerify: tlsVerify)
    }
}

@main
enum Main {
    static func main() async {
        await PluginRuntime.main(ImageCommand.self, about: PluginAbout(version: "0.1.0", vendor: "AME"))
    }
}
