import AMECore
import Foundation

/// The sizes a run request may have. A shared server keeps every request it accepts, lists
/// them in pages and hands their env to a process: none of that may be made huge or
/// malformed by one request.
enum RequestLimits {
    static let maxLabels = 32
    static let maxLabelKeyBytes = 63
    static let maxLabelValueBytes = 1024
    static let maxEnvVariables = 256
    static let maxEnvBytes = 128 * 1024
    static let maxNameBytes = 256
    static let maxCommandBytes = 64 * 1024
    static let maxExtraPackages = 64
    static let maxPorts = 16
    static let maxManifestEntries = 200_000

    /// Throws a sentence naming the field at fault.
    static func check(_ request: RunRequest) throws {
        func refuse(_ message: String, hint: String) -> APIError { APIError(.invalidRequest, message, hint: hint) }
        if request.task.isEmpty || request.task.utf8.count > maxNameBytes {
            throw refuse("'task' must be 1 to \(maxNameBytes) bytes", hint: "name a task of the project's ame.yaml")
        }
        if request.manifest.count > maxManifestEntries {
            throw refuse("the project has \(request.manifest.count) files, more than \(maxManifestEntries) a run can hold",
                         hint: "list generated files and data in .ameignore")
        }
        if request.labels.count > maxLabels {
            throw refuse("a run may have at most \(maxLabels) labels, not \(request.labels.count)", hint: "keep labels for names and ids")
        }
        for (key, value) in request.labels {
            let keyBytes = key.utf8.count
            guard keyBytes >= 1, keyBytes <= maxLabelKeyBytes,
                  key.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-/".unicodeScalars.contains($0)) }) else {
                throw refuse("label key '\(key.prefix(80))' is not valid",
                             hint: "use 1 to \(maxLabelKeyBytes) letters, digits, '.', '_', '-' or '/'")
            }
            guard value.utf8.count <= maxLabelValueBytes else {
                throw refuse("the value of label '\(key)' is \(value.utf8.count) bytes, over the \(maxLabelValueBytes) allowed",
                             hint: "keep files and logs out of labels")
            }
        }
        for (field, variables) in [("env", request.env), ("secretEnv", request.secretEnv ?? [])] {
            guard variables.count <= maxEnvVariables else {
                throw refuse("'\(field)' has \(variables.count) variables, over the \(maxEnvVariables) allowed", hint: "pass large settings in a file")
            }
            var bytes = 0
            for variable in variables {
                guard EnvVar.isValidKey(variable.key), variable.key.utf8.count <= maxNameBytes else {
                    throw refuse("'\(variable.key.prefix(80))' in '\(field)' is not a valid environment variable name",
                                 hint: "use letters, digits and underscores, not starting with a digit")
                }
                guard !variable.value.utf8.contains(0) else {
                    throw refuse("the value of '\(variable.key)' in '\(field)' contains a NUL byte", hint: "environment values are text")
                }
                bytes += variable.key.utf8.count + variable.value.utf8.count
            }
            guard bytes <= maxEnvBytes else {
                throw refuse("'\(field)' holds \(bytes) bytes, over the \(maxEnvBytes) allowed", hint: "pass large settings in a file")
            }
        }
        if let command = request.command, command.utf8.count > maxCommandBytes || command.utf8.contains(0) {
            throw refuse("'command' must be text of at most \(maxCommandBytes) bytes", hint: "put a long command in a script")
        }
        if let packages = request.extraPackages, packages.count > maxExtraPackages || packages.contains(where: { $0.utf8.count > maxNameBytes }) {
            throw refuse("'extraPackages' may hold at most \(maxExtraPackages) requirements of \(maxNameBytes) bytes each",
                         hint: "list the project's own requirements in its lock file")
        }
        if request.ports.count > maxPorts {
            throw refuse("a run may declare at most \(maxPorts) ports", hint: "a service listens on a few ports")
        }
        if request.projectFile.utf8.count > Manifest.maxPathBytes || (request.image?.utf8.count ?? 0) > maxNameBytes * 2 {
            throw refuse("'projectFile' or 'image' is too long", hint: "give a path in the project and an image reference")
        }
    }
}
