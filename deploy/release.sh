#!/usr/bin/env bash
# Builds the release binaries of tooltrail: static (CGO_ENABLED=0, the
# SQLite store is pure Go), -trimpath, with the version and VCS revision
# stamped, for linux and darwin on amd64 and arm64.
#
#   deploy/release.sh VERSION [OUTDIR] [GOOS/GOARCH ...]
#
# VERSION is what `tooltrail version` prints (e.g. v0.9.0); OUTDIR defaults
# to dist/. Naming targets builds only those (CI builds one to check).
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:?usage: deploy/release.sh VERSION [OUTDIR] [GOOS/GOARCH ...]}
out=${2:-dist}
shift $(( $# < 2 ? $# : 2 ))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64)
fi

mkdir -p "$out"
for t in "${targets[@]}"; do
	goos=${t%/*} goarch=${t#*/}
	bin="$out/tooltrail-$version-$goos-$goarch"
	echo "building $bin"
	CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch GOFLAGS= go build -trimpath -buildvcs=true \
		-ldflags "-s -w -X main.releaseVersion=$version" -o "$bin" ./cmd/tooltrail
done
(cd "$out" && sha256sum tooltrail-"$version"-* > "SHA256SUMS-$version")
echo "checksums in $out/SHA256SUMS-$version"
