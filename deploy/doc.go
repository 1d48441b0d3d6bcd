// Package deploy holds what runs SạpQR beyond `make run`: the container image
// (Dockerfile and the healthcheck probe it ships), compose.yaml for one
// machine with PostgreSQL and Redis, the Kubernetes manifests in k8s/, the
// operations guide (README.md), and the fault drills and load test in
// deploy/drills. The package has no code of its own: its tests parse every
// manifest and check it against cmd/sapqr (settings, subcommands, ports) and
// against each other (images, labels, probes, limits), since no cluster or
// Docker daemon runs where the tests do.
package deploy
