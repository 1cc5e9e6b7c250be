# syntax=docker/dockerfile:1
# Clientele: one static binary on distroless. Build with `docker build -t clientele .`.

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO off: the SQLite driver (glebarez/sqlite) is pure Go, so the binary is fully static.
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /clientele ./cmd/clientele
# The runtime image has no shell: prepare the data directory here.
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /clientele /clientele
# The default database is sqlite:clientele.db, relative to the working directory: /data,
# owned by the nonroot user (65532). With MySQL (CLIENTELE_DATABASE_URL=mysql://…) it stays empty.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
VOLUME ["/data"]
USER nonroot:nonroot
ENV CLIENTELE_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/clientele"]
