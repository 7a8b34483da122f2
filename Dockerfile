# A Debian 12 image with what clk needs: QEMU, GRUB, OVMF, NASM, the pinned Go
# release and the GOOS=clk toolchain, built once when the image is built.
#
#   docker build -t clk .
#   docker run --rm -it clk                 # make qemu: boot to the clk> prompt
#   docker run --rm clk make test
FROM debian:12 AS base

ENV DEBIAN_FRONTEND=noninteractive

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates git make curl patch binutils gcc libc6-dev cpio \
      qemu-system-x86 grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools dosfstools ovmf nasm \
      golang-go \
 && rm -rf /var/lib/apt/lists/*

# Go itself, of the version rt/GOVERSION pins, comes from the Go module proxy
# as the module golang.org/toolchain (a Go distribution, checked against the
# checksum database like any module). Debian's Go 1.19 fetches it and is then
# removed. The module cache drops file modes, so the executables get their x
# bits back.
COPY rt/GOVERSION /tmp/GOVERSION
RUN set -eu; \
    mod="golang.org/toolchain@v0.0.1-$(tr -d ' \n' </tmp/GOVERSION).linux-amd64"; \
    export GOPATH=/tmp/gopath GOFLAGS=-modcacherw; \
    cd /tmp; \
    go mod download -json "$mod" >mod.json || { cat mod.json >&2; exit 1; }; \
    dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p' mod.json); \
    if [ -z "$dir" ] || [ ! -f "$dir/bin/go" ]; then echo "no Go in $mod" >&2; exit 1; fi; \
    cp -a "$dir" /usr/local/go; \
    rm -rf /tmp/gopath /tmp/GOVERSION /tmp/mod.json; \
    cd /usr/local/go; \
    chmod -R u+w .; \
    chmod a+x bin/* pkg/tool/linux_amd64/* lib/wasm/*_exec; \
    find . -type f \( -name '*.bash' -o -name '*.sh' -o -name '*.rc' -o -name '*.pl' -o -name '*.py' \) -exec chmod a+x {} +; \
    apt-get purge -y --auto-remove golang-go; \
    /usr/local/go/bin/go version
ENV PATH=/usr/local/go/bin:$PATH

FROM base
COPY . /src
WORKDIR /src
RUN make toolchain
CMD ["make", "qemu"]
