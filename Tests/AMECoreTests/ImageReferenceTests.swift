import AMECore
import Testing

@Suite("ImageReference")
struct ImageReferenceTests {
    static let digest = "sha256:" + String(repeating: "0123456789abcdef", count: 4)

    @Test func officialImageWithTag() throws {
        let image = try ImageReference(parsing: "python:3.11-slim")
        #expect(image.domain == nil)
        #expect(image.path == "python")
        #expect(image.tag == "3.11-slim")
        #expect(image.digest == nil)
        #expect(image.repository == "python")
        #expect(image.description == "python:3.11-slim")
    }

    @Test func registryWithPort() throws {
        let image = try ImageReference(parsing: "localhost:5000/team/train:1.2")
        #expect(image.domain == "localhost:5000")
        #expect(image.path == "team/train")
        #expect(image.tag == "1.2")
        #expect(image.repository == "localhost:5000/team/train")
        #expect(image.description == "localhost:5000/team/train:1.2")
    }

    @Test func digest() throws {
        let image = try ImageReference(parsing: "ghcr.io/a/b@\(Self.digest)")
        #expect(image.domain == "ghcr.io")
        #expect(image.path == "a/b")
        #expect(image.tag == nil)
        #expect(image.digest == Self.digest)
        #expect(image.description == "ghcr.io/a/b@\(Self.digest)")
    }

    @Test("other valid references read back as written", arguments: [
        "ubuntu", "library/ubuntu:22.04", "registry.example.com/team/name:tag", "a/b_c__d-e.f--g:latest",
        "quay.io/org/repo:v1.0.0-rc.1", "[::1]:5000/x:y", "my-registry.local:443/deep/path/to/image:_tag",
        "pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime", "python:3.11@sha256:" + String(repeating: "a", count: 64),
    ])
    func valid(reference: String) throws {
        let image = try ImageReference(parsing: reference)
        #expect(image.description == reference)
    }

    @Test("invalid references give the offset of the problem", arguments: [
        ("", "the image reference is empty", 0),
        ("python:3.11 slim", "an image reference cannot contain spaces", 11),
        ("Python:3.11", "image repository names must be lowercase", 0),
        ("team/Train:latest", "image repository names must be lowercase", 5),
        ("ghcr.io/team/Trainer:1.0", "image repository names must be lowercase", 13),
        ("python:", "the image tag after ':' is empty", 7),
        ("python:-slim", "an image tag must start with a letter, digit or '_'", 7),
        ("pytorch/pytorch:2.3+cuda12", "'+' is not allowed in an image tag", 19),
        ("python:" + String(repeating: "a", count: 129), "the image tag is longer than 128 characters", 7),
        ("a//b", "the image name has an empty path component", 2),
        ("team/", "the image name has an empty path component", 5),
        ("-team/x", "an image name component cannot start with '-'", 0),
        ("team-/x", "an image name component cannot end with '-'", 4),
        ("a..b", "'..' is not a valid separator in an image name", 1),
        ("a$b", "'$' is not allowed in an image name", 1),
        ("host:99999/x", "'99999' is not a valid registry port", 5),
        ("bad_host.io/x", "'bad_host.io' is not a valid registry host", 0),
        ("a@md5", "an image digest looks like sha256:<hex>", 2),
        ("a@sha256:abc", "the image digest must be at least 32 hexadecimal digits", 9),
        ("a@sha256:" + String(repeating: "a", count: 40), "a sha256 digest has 64 hexadecimal digits, this one has 40", 9),
        (":tag", "the image reference has no repository name", 0),
    ])
    func invalid(reference: String, message: String, offset: Int) {
        do {
            _ = try ImageReference(parsing: reference)
            Issue.record("'\(reference)' parsed")
        } catch {
            #expect(error.message == message)
            #expect(error.offset == offset)
        }
    }

    @Test func hints() {
        do {
            _ = try ImageReference(parsing: "team/Train")
            Issue.record("'team/Train' parsed")
        } catch {
            #expect(error.hint == "write 'train'")
        }
    }
}
