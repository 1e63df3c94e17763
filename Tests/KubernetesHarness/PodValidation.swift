import Foundation

/// The API server's checks of a Pod that AME could get wrong, with its messages, and the
/// defaults it fills in (so responses have the shape of real ones).
enum PodValidation {
    typealias Cause = (field: String, message: String, reason: String)

    static func isDNSLabel(_ text: String) -> Bool {
        text.count <= 63 && text.range(of: #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"#, options: .regularExpression) != nil
    }

    static func isDNSSubdomain(_ text: String) -> Bool {
        text.count <= 253 && text.range(of: #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#, options: .regularExpression) != nil
    }

    static func isConfigKey(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 253 && text.range(of: #"^[-._a-zA-Z0-9]+$"#, options: .regularExpression) != nil
    }

    static func isLabelValue(_ text: String) -> Bool {
        text.isEmpty || (text.count <= 63 && text.range(of: #"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"#, options: .regularExpression) != nil)
    }

    static func isQualifiedName(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.last.map(String.init) else { return false }
        if parts.count == 2, !isDNSSubdomain(String(parts[0])) { return false }
        return !name.isEmpty && name.count <= 63 && name.range(of: #"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"#, options: .regularExpression) != nil
    }

    static func isEnvName(_ text: String) -> Bool {
        text.range(of: #"^[-._a-zA-Z][-._a-zA-Z0-9]*$"#, options: .regularExpression) != nil
    }

    static func validate(_ pod: JSON) -> [Cause] {
        var causes: [Cause] = []
        let name = pod["metadata"]["name"].string ?? ""
        if name.isEmpty {
            causes.append(("metadata.name", "Required value: name or generateName is required", "FieldValueRequired"))
        } else if !isDNSSubdomain(name) {
            causes.append(("metadata.name", "Invalid value: \"\(name)\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", "FieldValueInvalid"))
        }
        for (key, value) in pod["metadata"]["labels"].object ?? [:] {
            if !isQualifiedName(key) { causes.append(("metadata.labels", "Invalid value: \"\(key)\": name part must consist of alphanumeric characters, '-', '_' or '.'", "FieldValueInvalid")) }
            if !isLabelValue(value.string ?? "") {
                causes.append(("metadata.labels", "Invalid value: \"\(value.string ?? "")\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", "FieldValueInvalid"))
            }
        }
        let spec = pod["spec"]
        if let policy = spec["restartPolicy"].string, !["Always", "OnFailure", "Never"].contains(policy) {
            causes.append(("spec.restartPolicy", "Unsupported value: \"\(policy)\": supported values: \"Always\", \"OnFailure\", \"Never\"", "FieldValueNotSupported"))
        }
        if let deadline = spec["activeDeadlineSeconds"].int, deadline <= 0 {
            causes.append(("spec.activeDeadlineSeconds", "Invalid value: \(deadline): must be between 1 and 2147483647, inclusive", "FieldValueInvalid"))
        }
        let volumes = Set((spec["volumes"].array ?? []).compactMap { $0["name"].string })
        for (index, volume) in (spec["volumes"].array ?? []).enumerated() {
            let sources = ["emptyDir", "persistentVolumeClaim", "hostPath", "secret", "configMap"].filter { !volume[$0].isNull }
            if sources.count != 1 {
                causes.append(("spec.volumes[\(index)]", sources.isEmpty ? "Required value: must specify a volume type" : "Forbidden: may not specify more than 1 volume type", sources.isEmpty ? "FieldValueRequired" : "FieldValueForbidden"))
            }
            if !volume["persistentVolumeClaim"].isNull, (volume["persistentVolumeClaim"]["claimName"].string ?? "").isEmpty {
                causes.append(("spec.volumes[\(index)].persistentVolumeClaim.claimName", "Required value", "FieldValueRequired"))
            }
            if !volume["hostPath"].isNull, !(volume["hostPath"]["path"].string ?? "").hasPrefix("/") {
                causes.append(("spec.volumes[\(index)].hostPath.path", "Required value", "FieldValueRequired"))
            }
        }
        let containers = spec["containers"].array ?? []
        if containers.isEmpty { causes.append(("spec.containers", "Required value", "FieldValueRequired")) }
        var names = Set<String>()
        var portNames = Set<String>()
        for (kind, list) in [("initContainers", spec["initContainers"].array ?? []), ("containers", containers)] {
            for (index, container) in list.enumerated() {
                let path = "spec.\(kind)[\(index)]"
                let containerName = container["name"].string ?? ""
                if !isDNSLabel(containerName) {
                    causes.append(("\(path).name", "Invalid value: \"\(containerName)\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'", "FieldValueInvalid"))
                } else if !names.insert(containerName).inserted {
                    causes.append(("\(path).name", "Duplicate value: \"\(containerName)\"", "FieldValueDuplicate"))
                }
                if (container["image"].string ?? "").isEmpty { causes.append(("\(path).image", "Required value", "FieldValueRequired")) }
                for (envIndex, variable) in (container["env"].array ?? []).enumerated() {
                    let key = variable["name"].string ?? ""
                    if !isEnvName(key) {
                        causes.append(("\(path).env[\(envIndex)].name", "Invalid value: \"\(key)\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit", "FieldValueInvalid"))
                    }
                    let reference = variable["valueFrom"]["secretKeyRef"]
                    if !reference.isNull && ((reference["name"].string ?? "").isEmpty || (reference["key"].string ?? "").isEmpty) {
                        causes.append(("\(path).env[\(envIndex)].valueFrom.secretKeyRef", "Required value", "FieldValueRequired"))
                    }
                    if let field = variable["valueFrom"]["fieldRef"]["fieldPath"].string, !Self.isSupportedField(field) {
                        causes.append(("\(path).env[\(envIndex)].valueFrom.fieldRef.fieldPath", "Unsupported value: \"\(field)\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.podIP\"", "FieldValueNotSupported"))
                    }
                    if variable["value"].string != nil && !variable["valueFrom"].isNull {
                        causes.append(("\(path).env[\(envIndex)].valueFrom", "Invalid value: \"\": may not be specified when `value` is not empty", "FieldValueInvalid"))
                    }
                }
                for (portIndex, port) in (container["ports"].array ?? []).enumerated() {
                    let portPath = "\(path).ports[\(portIndex)]"
                    let number = port["containerPort"].int ?? 0
                    if !(1...65535).contains(number) {
                        causes.append(("\(portPath).containerPort", "Invalid value: \(number): must be between 1 and 65535, inclusive", "FieldValueInvalid"))
                    }
                    if let portName = port["name"].string {
                        if !isPortName(portName) {
                            causes.append(("\(portPath).name", "Invalid value: \"\(portName)\": must be no more than 15 characters, contain only lowercase alphanumerics and '-', at least one letter, no '--', not begin or end with '-'", "FieldValueInvalid"))
                        } else if !portNames.insert(portName).inserted {
                            causes.append(("\(portPath).name", "Duplicate value: \"\(portName)\"", "FieldValueDuplicate"))
                        }
                    }
                    if let proto = port["protocol"].string, !["TCP", "UDP", "SCTP"].contains(proto) {
                        causes.append(("\(portPath).protocol", "Unsupported value: \"\(proto)\": supported values: \"SCTP\", \"TCP\", \"UDP\"", "FieldValueNotSupported"))
                    }
                }
                for (mountIndex, mount) in (container["volumeMounts"].array ?? []).enumerated() {
                    let volume = mount["name"].string ?? ""
                    if !volumes.contains(volume) { causes.append(("\(path).volumeMounts[\(mountIndex)].name", "Not found: \"\(volume)\"", "FieldValueNotFound")) }
                    if !(mount["mountPath"].string ?? "").hasPrefix("/") { causes.append(("\(path).volumeMounts[\(mountIndex)].mountPath", "Required value", "FieldValueRequired")) }
                    if let subPath = mount["subPath"].string, subPath.hasPrefix("/") || subPath.split(separator: "/").contains("..") {
                        causes.append(("\(path).volumeMounts[\(mountIndex)].subPath", "Invalid value: \"\(subPath)\": must be a relative path without '..'", "FieldValueInvalid"))
                    }
                }
                let requests = container["resources"]["requests"].object ?? [:]
                let limits = container["resources"]["limits"].object ?? [:]
                for (resource, value) in requests.merging(limits, uniquingKeysWith: { a, _ in a }) where HarnessQuantity.value(value) == nil {
                    causes.append(("\(path).resources", "Invalid value: \"\(value.string ?? "")\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (\(resource))", "FieldValueInvalid"))
                }
                for (resource, request) in requests {
                    guard let requested = HarnessQuantity.value(request) else { continue }
                    if let limit = limits[resource].flatMap(HarnessQuantity.value), requested > limit {
                        causes.append(("\(path).resources.requests", "Invalid value: \"\(request.string ?? "")\": must be less than or equal to \(resource) limit of \(limits[resource]?.string ?? "")", "FieldValueInvalid"))
                    }
                    let extended = resource.contains("/") && !resource.hasPrefix("kubernetes.io/")
                    if extended, limits[resource].flatMap(HarnessQuantity.value) != requested {
                        causes.append(("\(path).resources.requests[\(resource)]", "Invalid value: \"\(request.string ?? "")\": must be equal to \(resource) limit", "FieldValueInvalid"))
                    }
                }
            }
        }
        for field in ["hostname", "subdomain"] {
            if let value = spec[field].string, !isDNSLabel(value) {
                causes.append(("spec.\(field)", "Invalid value: \"\(value)\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", "FieldValueInvalid"))
            }
        }
        for (index, gate) in (spec["schedulingGates"].array ?? []).enumerated() where !isQualifiedName(gate["name"].string ?? "") {
            causes.append(("spec.schedulingGates[\(index)].name", "Invalid value: \"\(gate["name"].string ?? "")\": name part must consist of alphanumeric characters, '-', '_' or '.'", "FieldValueInvalid"))
        }
        for (index, toleration) in (spec["tolerations"].array ?? []).enumerated() {
            if let op = toleration["operator"].string, !["Exists", "Equal"].contains(op) {
                causes.append(("spec.tolerations[\(index)].operator", "Unsupported value: \"\(op)\"", "FieldValueNotSupported"))
            }
        }
        return causes
    }

    /// The API server's checks of a Service AME could get wrong (a headless one).
    static func validateService(_ service: JSON) -> [Cause] {
        var causes: [Cause] = []
        let name = service["metadata"]["name"].string ?? ""
        // A DNS-1035 label: it names DNS records.
        if name.count > 63 || name.range(of: #"^[a-z]([-a-z0-9]*[a-z0-9])?$"#, options: .regularExpression) == nil {
            causes.append(("metadata.name", "Invalid value: \"\(name)\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", "FieldValueInvalid"))
        }
        if let clusterIP = service["spec"]["clusterIP"].string, clusterIP != "None", !clusterIP.isEmpty {
            causes.append(("spec.clusterIP", "Invalid value: \"\(clusterIP)\": the harness only makes headless Services", "FieldValueInvalid"))
        }
        for (key, value) in service["spec"]["selector"].object ?? [:] where !isQualifiedName(key) || !isLabelValue(value.string ?? "") {
            causes.append(("spec.selector", "Invalid value: \"\(key)=\(value.string ?? "")\"", "FieldValueInvalid"))
        }
        for (index, port) in (service["spec"]["ports"].array ?? []).enumerated() where !(1...65535).contains(port["port"].int ?? 0) {
            causes.append(("spec.ports[\(index)].port", "Invalid value: \(port["port"].int ?? 0): must be between 1 and 65535, inclusive", "FieldValueInvalid"))
        }
        return causes
    }

    /// The downward API's fields that an env variable may read.
    static func isSupportedField(_ path: String) -> Bool {
        ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
         "status.hostIP", "status.podIP"].contains(path)
    }

    /// A field's value as the kubelet reads it for a `fieldRef`.
    static func fieldValue(_ path: String, of pod: JSON) -> String? {
        var value = pod
        for key in path.split(separator: ".") { value = value[String(key)] }
        return value.string
    }

    /// An IANA service name, as a container port's name must be.
    static func isPortName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard (1...15).contains(scalars.count), scalars.first != "-", scalars.last != "-", !name.contains("--") else { return false }
        let lowercaseOrDigit = scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        return lowercaseOrDigit && scalars.contains { ("a"..."z").contains($0) }
    }

    /// What the API server fills in on create.
    static func applyDefaults(_ pod: inout JSON, namespace: String) {
        pod["kind"] = "Pod"
        pod["apiVersion"] = "v1"
        pod["metadata"]["namespace"] = .string(namespace)
        pod["metadata"]["uid"] = .string(UUID().uuidString.lowercased())
        pod["metadata"]["creationTimestamp"] = .string(FakeKubernetes.timestamp())
        var spec = pod["spec"]
        if spec["restartPolicy"].isNull { spec["restartPolicy"] = "Always" }
        if spec["dnsPolicy"].isNull { spec["dnsPolicy"] = "ClusterFirst" }
        if spec["schedulerName"].isNull { spec["schedulerName"] = "default-scheduler" }
        if spec["serviceAccountName"].isNull { spec["serviceAccountName"] = "default" }
        if spec["terminationGracePeriodSeconds"].isNull { spec["terminationGracePeriodSeconds"] = 30 }
        if spec["securityContext"].isNull { spec["securityContext"] = [:] }
        spec["priority"] = 0
        for key in ["initContainers", "containers"] {
            guard let list = spec[key].array else { continue }
            spec[key] = .array(list.map { container in
                var container = container
                if container["terminationMessagePath"].isNull { container["terminationMessagePath"] = "/dev/termination-log" }
                if container["terminationMessagePolicy"].isNull { container["terminationMessagePolicy"] = "File" }
                if container["imagePullPolicy"].isNull {
                    let image = container["image"].string ?? ""
                    let tagged = image.split(separator: "/").last.map { $0.contains(":") || $0.contains("@") } ?? false
                    container["imagePullPolicy"] = .string(!tagged || image.hasSuffix(":latest") ? "Always" : "IfNotPresent")
                }
                // A limit without a request gets the limit as its request.
                var requests = container["resources"]["requests"].object ?? [:]
                for (resource, limit) in container["resources"]["limits"].object ?? [:] where requests[resource] == nil {
                    requests[resource] = limit
                }
                if !requests.isEmpty { container["resources"]["requests"] = .object(requests) }
                if container["resources"].isNull { container["resources"] = [:] }
                return container
            })
        }
        pod["spec"] = spec
        pod["status"] = ["phase": "Pending", "qosClass": .string(qosClass(spec))]
    }

    static func qosClass(_ spec: JSON) -> String {
        let containers = spec["containers"].array ?? []
        var anySet = false
        var guaranteed = true
        for container in containers {
            let requests = container["resources"]["requests"].object ?? [:]
            let limits = container["resources"]["limits"].object ?? [:]
            if !requests.isEmpty || !limits.isEmpty { anySet = true }
            for resource in ["cpu", "memory"] {
                guard let limit = limits[resource], let request = requests[resource] ?? limits[resource],
                      HarnessQuantity.value(limit) == HarnessQuantity.value(request) else {
                    guaranteed = false
                    continue
                }
            }
        }
        if !anySet { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
