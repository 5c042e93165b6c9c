package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// The image's build stage, run directly (there is no Docker daemon here):
// its `go build` line with the build arguments a release passes, in the
// folder `COPY . .` fills (the repository, less .dockerignore's .git, so
// build info has no commit and the arguments must give it). The binary
// says the version and commit in `vpnlens version`.
func TestDockerfileBuildStage(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	build := text[:strings.Index(text, "\nFROM gcr.io/distroless")]
	if !strings.Contains(build, "FROM --platform=$BUILDPLATFORM golang:") {
		t.Error("the build stage must run on the builder's platform and cross-compile (FROM --platform=$BUILDPLATFORM)")
	}
	for _, arg := range []string{"TARGETOS", "TARGETARCH", "VERSION", "COMMIT"} {
		if !regexp.MustCompile(`(?m)^ARG .*\b` + arg + `\b`).MatchString(build) {
			t.Errorf("the build stage does not declare ARG %s", arg)
		}
	}
	m := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 .*go build .*)$`).FindStringSubmatch(build)
	if m == nil {
		t.Fatal("no RUN ... go build line in the Dockerfile's build stage")
	}
	out := t.TempDir()
	line := strings.ReplaceAll(m[1], "/out/", out+"/")
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(os.Environ(),
		"TARGETOS=linux", "TARGETARCH="+runtime.GOARCH,
		"VERSION="+testReleaseVersion, "COMMIT="+testReleaseCommit)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line, err, b)
	}
	if runtime.GOOS != "linux" {
		return // built for linux; it runs only there
	}
	b, err := exec.Command(filepath.Join(out, "vpnlens"), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("vpnlens version: %v\n%s", err, b)
	}
	if want := "vpnlens " + testReleaseVersion + "+" + testReleaseCommit[:12] + " "; !strings.HasPrefix(string(b), want) {
		t.Errorf("the image's binary prints %q, want it to start with %q", b, want)
	}
	if !strings.Contains(text, `org.opencontainers.image.version="${VERSION}"`) {
		t.Error("the image's org.opencontainers.image.version label does not carry the VERSION build argument")
	}
}
