package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// releaseVersion is the version a release build stamps with
// -ldflags "-X main.releaseVersion=v1.2.3" (deploy/release.sh); empty
// otherwise, when the module version of the build info is printed.
var releaseVersion string

// printVersion writes the module version, the VCS revision and time the
// binary was built from (as the Go toolchain stamps them), and the Go
// version, so that a bug report names exactly what ran.
func printVersion(w io.Writer) {
	version, revision, when, modified := "(devel)", "", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		if releaseVersion != "" {
			version = releaseVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	fmt.Fprintf(w, "tooltrail %s", version)
	if revision != "" {
		fmt.Fprintf(w, " (revision %s", revision)
		if when != "" {
			fmt.Fprintf(w, ", %s", when)
		}
		if modified {
			io.WriteString(w, ", with uncommitted changes")
		}
		io.WriteString(w, ")")
	}
	fmt.Fprintf(w, " %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
