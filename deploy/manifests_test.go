package deploy

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestDeploymentFiles checks the Dockerfile, compose.yaml, .env.example, the
// Kubernetes manifests and the operations guide against cmd/sapqr and
// against each other.
func TestDeploymentFiles(t *testing.T) {
	b, err := parseBundle(readDeployFiles(t), readCommandInfo(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.k8s) < 10 {
		t.Fatalf("parsed only %d Kubernetes objects; the checks would prove little", len(b.k8s))
	}
	for _, err := range b.check() {
		t.Error(err)
	}
}

// TestChecksCatchBrokenFiles edits a real file the way a hurried
// change might and expects the checks to say what is wrong, so that a rule
// which can never fire does not pass for a proof.
func TestChecksCatchBrokenFiles(t *testing.T) {
	ci := readCommandInfo(t)
	real := readDeployFiles(t)
	tests := []struct {
		name      string
		file      string
		old, new  string
		wantError string
	}{
		{"cgo left on", "Dockerfile", "    CGO_ENABLED=0 go build -trimpath -ldflags \"-s -w -X", "    go build -trimpath -ldflags \"-s -w -X", "without CGO_ENABLED=0"},
		{"version not stamped", "Dockerfile", "-X main.version=${VERSION}", "-X main.Version=${VERSION}", "does not stamp"},
		{"image runs as root", "Dockerfile", "USER 65532:65532", "USER 0", "USER 0 is root"},
		{"named user", "Dockerfile", "USER 65532:65532", "USER nonroot", "numeric non-root uid"},
		{"fat final image", "Dockerfile", "FROM gcr.io/distroless/static-debian12:nonroot", "FROM golang:1.26-bookworm", "final stage FROM golang"},
		{"healthcheck needs a shell", "Dockerfile", `CMD ["/usr/local/bin/healthcheck", "http://127.0.0.1:8080/healthz"]`, `CMD curl -f http://127.0.0.1:8080/healthz`, "HEALTHCHECK"},
		{"healthcheck on the wrong port", "Dockerfile", `"http://127.0.0.1:8080/healthz"]`, `"http://127.0.0.1:9090/healthz"]`, "Dockerfile HEALTHCHECK probes"},
		{"exposed port differs", "Dockerfile", "EXPOSE 8080", "EXPOSE 80", "EXPOSE [80]"},
		{"healthcheck binary not copied", "Dockerfile", "COPY --from=build /out/healthcheck /usr/local/bin/healthcheck", "", "does not COPY"},
		{"context without go.sum", "Dockerfile.dockerignore", "deploy/*.md\n", "deploy/*.md\ngo.*\n", `"go.*" leaves go.mod out`},
		{"context without the code", "Dockerfile.dockerignore", "deploy/*.md\n", "deploy/*.md\n**/*.go\n", `"**/*.go" leaves cmd/sapqr/main.go out`},
		{"setting missing from .env.example", ".env.example", "SAPQR_REDIS_URL=\n", "", ".env.example does not list SAPQR_REDIS_URL"},
		{"unknown setting in .env.example", ".env.example", "SAPQR_REDIS_URL=", "SAPQR_REDIS=", "SAPQR_REDIS is neither"},
		{"default listens everywhere", ".env.example", "SAPQR_ADDR=127.0.0.1:8080", "SAPQR_ADDR=0.0.0.0:8080", "loopback only"},
		{"compose setting typo", "compose.yaml", "SAPQR_REDIS_URL: redis://", "SAPQR_REDIS_ADDR: redis://", "sets SAPQR_REDIS_ADDR"},
		{"compose starts before redis is healthy", "compose.yaml", "      redis:\n        condition: service_healthy", "      redis:\n        condition: service_started", "depends on redis with condition \"service_started\""},
		{"compose database host wrong", "compose.yaml", "@postgres:5432/sapqr", "@db:5432/sapqr", "names host \"db\""},
		{"compose database name differs", "compose.yaml", "POSTGRES_DB: sapqr", "POSTGRES_DB: sapqr_prod", "does not match the postgres service"},
		{"compose postgres without volume", "compose.yaml", "      - pgdata:/var/lib/postgresql/data\n", "", "postgres keeps its data in no volume"},
		{"compose redis without healthcheck", "compose.yaml", "      test: [\"CMD\", \"redis-cli\", \"ping\"]\n", "", "service redis has no healthcheck"},
		{"compose publishes everywhere", "compose.yaml", "${SAPQR_PORT:-127.0.0.1:8080}:8080", "8080:8080", "want loopback"},
		{"compose unknown key", "compose.yaml", "    restart: unless-stopped\n    ports:", "    restarts: unless-stopped\n    ports:", "unknown field"},
		{"readiness on the wrong path", "k8s/deployment.yaml", "path: /readyz", "path: /ready", "readinessProbe on /ready"},
		{"liveness on a missing port", "k8s/deployment.yaml", "              path: /healthz\n              port: http\n            periodSeconds: 10", "              path: /healthz\n              port: web\n            periodSeconds: 10", "livenessProbe port web"},
		{"no memory limit", "k8s/deployment.yaml", "              cpu: \"1\"\n              memory: 512Mi", "              cpu: \"1\"", "resources.limits.memory"},
		{"request above limit", "k8s/deployment.yaml", "memory: 128Mi", "memory: 1Gi", "exceeds the limit"},
		{"single replica", "k8s/deployment.yaml", "replicas: 3", "replicas: 1", "replicas below 2"},
		{"pod may run as root", "k8s/deployment.yaml", "runAsNonRoot: true", "runAsNonRoot: false", "runAsNonRoot is not true"},
		{"writable root filesystem", "k8s/deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem: true"},
		{"selector misses the pods", "k8s/deployment.yaml", "    matchLabels:\n      app.kubernetes.io/name: sapqr\n      app.kubernetes.io/component: server\n  strategy", "    matchLabels:\n      app.kubernetes.io/name: sapqr\n      app.kubernetes.io/component: web\n  strategy", "does not select its own pod template"},
		{"container port differs from SAPQR_ADDR", "k8s/deployment.yaml", "containerPort: 8080", "containerPort: 8000", "containerPort 8000"},
		{"unknown env var", "k8s/deployment.yaml", "- name: GOMEMLIMIT", "- name: SAPQR_MEMLIMIT", "env SAPQR_MEMLIMIT"},
		{"soft memory limit above the pod limit", "k8s/deployment.yaml", "value: 460MiB", "value: 600MiB", "GOMEMLIMIT 600MiB is not 75–95 %"},
		{"soft memory limit unreadable", "k8s/deployment.yaml", "value: 460MiB", "value: 460M", `GOMEMLIMIT "460M"`},
		{"configmap key typo", "k8s/configmap.yaml", "SAPQR_ADDR:", "SAPQR_ADR:", "key SAPQR_ADR"},
		{"secret without placeholder", "k8s/secret.example.yaml", "redis://:CHANGE-ME@", "redis://:hunter2@", "does not say CHANGE-ME"},
		{"service selects nothing", "k8s/service.yaml", "  selector:\n    app.kubernetes.io/name: sapqr\n    app.kubernetes.io/component: server", "  selector:\n    app.kubernetes.io/name: sapqr\n    app.kubernetes.io/component: web", "selects no Deployment pod"},
		{"ingress to a missing port", "k8s/ingress.yaml", "                  name: http", "                  name: web", "backend sapqr port web"},
		{"hpa targets another deployment", "k8s/hpa.yaml", "    name: sapqr\n", "    name: sapqr-web\n", "scaleTargetRef"},
		{"pdb allows draining everything", "k8s/pdb.yaml", "maxUnavailable: 1", "maxUnavailable: 3", "would let a drain take every one"},
		{"migration job runs another image", "k8s/migrate-job.yaml", "image: ghcr.io/sapqr/sapqr:dev", "image: ghcr.io/sapqr/sapqr:v2", "different image tags"},
		{"migration job with a typo'd subcommand", "k8s/migrate-job.yaml", `args: ["migrate"]`, `args: ["migrat"]`, "do not start with a sapqr subcommand"},
		{"migration job pods look like servers", "k8s/migrate-job.yaml", "app.kubernetes.io/component: migrate\n    spec:", "app.kubernetes.io/component: server\n    spec:", "counted as server pods"},
		{"manifest left out of kustomization", "k8s/kustomization.yaml", "  - pdb.yaml\n", "", "does not list pdb.yaml"},
		{"example secret in kustomization", "k8s/kustomization.yaml", "  - pdb.yaml\n", "  - pdb.yaml\n  - secret.example.yaml\n", "must be applied separately"},
		{"wrong namespace", "k8s/service.yaml", "namespace: sapqr", "namespace: default", "namespace \"default\""},
		{"missing label", "k8s/hpa.yaml", "  labels:\n    app.kubernetes.io/name: sapqr\n", "", "no label app.kubernetes.io/name"},
		{"guide misses a setting", "README.md", "`SAPQR_REDIS_URL`", "`SAPQR_REDIS`", "does not list `SAPQR_REDIS_URL`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig, ok := real[tt.file]
			if !ok {
				t.Fatalf("no file %s", tt.file)
			}
			if n := strings.Count(string(orig.Data), tt.old); n == 0 {
				t.Fatalf("%s does not contain %q; update the scenario", tt.file, tt.old)
			}
			files := fstest.MapFS{}
			for name, f := range real {
				files[name] = f
			}
			files[tt.file] = &fstest.MapFile{Data: []byte(strings.ReplaceAll(string(orig.Data), tt.old, tt.new))}
			b, err := parseBundle(files, ci)
			var got []string
			if err != nil {
				got = append(got, err.Error())
			} else {
				for _, e := range b.check() {
					got = append(got, e.Error())
				}
			}
			if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, tt.wantError) }) {
				t.Errorf("no finding mentions %q; got:\n%s", tt.wantError, strings.Join(got, "\n"))
			}
		})
	}
}

// TestDockerfileBuildsStaticBinaries runs the go build commands of the
// Dockerfile here (no Docker daemon needed) and checks the binaries the
// image would get are static, CGO-free and version-stamped.
func TestDockerfileBuildsStaticBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df, err := parseDockerfile(data)
	if err != nil {
		t.Fatal(err)
	}
	builds, err := goBuilds(df.stages[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(builds) < 2 {
		t.Fatalf("found %d go build commands in the build stage; want sapqr and healthcheck", len(builds))
	}
	const version = "v0.0.0-deploytest"
	out := t.TempDir()
	for _, g := range builds {
		target := g.args[len(g.args)-1]
		t.Run(target, func(t *testing.T) {
			args := []string{"build"}
			var bin string
			for i := 0; i < len(g.args); i++ {
				a := strings.ReplaceAll(g.args[i], "${VERSION}", version)
				if a == "-o" && i+1 < len(g.args) {
					i++
					bin = filepath.Join(out, filepath.Base(g.args[i]))
					a = "-o=" + bin
				}
				args = append(args, a)
			}
			if bin == "" {
				t.Fatalf("go build %s has no -o", target)
			}
			cmd := exec.Command("go", args...)
			cmd.Dir = ".."
			cmd.Env = append(os.Environ(), g.env...)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
			}
			f, err := elf.Open(bin)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Errorf("%s asks for a dynamic loader; the distroless static image has none", bin)
				}
			}
			if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
				t.Errorf("%s links %v dynamically", bin, libs)
			}
			info, err := buildinfo.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			settings := map[string]string{}
			for _, s := range info.Settings {
				settings[s.Key] = s.Value
			}
			if settings["CGO_ENABLED"] != "0" {
				t.Errorf("CGO_ENABLED=%q in the build info; want 0", settings["CGO_ENABLED"])
			}
			// -trimpath keeps -ldflags out of the build info, so the stamped
			// string can only be in the binary if -X found main.version.
			if target == "./cmd/sapqr" {
				if versionReads(t) == 0 {
					t.Skip("cmd/sapqr declares main.version but never reads it, so the linker drops the stamped value; nothing to check until it is printed or exported")
				}
				data, err := os.ReadFile(bin)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(data, []byte(version)) {
					t.Errorf("%s does not contain the stamped version %q; does -X name a real variable?", bin, version)
				}
			}
		})
	}
}

// versionReads counts the uses of the identifier `version` in cmd/sapqr
// besides its declaration.
func versionReads(t *testing.T) int {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := filepath.Glob(filepath.Join("..", "cmd", "sapqr", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range pkgs {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(node ast.Node) bool {
			if id, ok := node.(*ast.Ident); ok && id.Name == "version" {
				n++
			}
			return true
		})
	}
	return n - 1
}
