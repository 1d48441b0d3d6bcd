package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"sigs.k8s.io/yaml"
)

// This file loads everything deploy/ ships into one bundle; checks_test.go
// holds the rules. Keeping the two apart lets the tests run the rules both on
// the real files (no finding allowed) and on broken copies (each rule must
// fire), so a rule that cannot fail is caught too.

// bundle is every deployment artefact, parsed, plus what cmd/sapqr declares.
type bundle struct {
	// settings are the SAPQR_* variables cmd/sapqr reads.
	settings map[string]bool
	// subcommands are the names in cmd/sapqr's command table.
	subcommands map[string]bool
	// versionVar reports whether cmd/sapqr declares the string `version`
	// that -ldflags "-X main.version=…" stamps.
	versionVar bool

	dockerfile   dockerfile
	dockerignore []string // patterns of Dockerfile.dockerignore
	compose      composeFile
	envExample   []envLine
	k8s          []object
	kustomize    kustomization
	// k8sFiles are the YAML files found in k8s/, by base name.
	k8sFiles []string
	readme   string
}

// runtimeEnv are variables read by the Go runtime rather than by sapqr; the
// manifests may set them.
var runtimeEnv = map[string]bool{"GOMEMLIMIT": true, "GOMAXPROCS": true, "GOGC": true}

// appliedSeparately are the files in k8s/ that kustomization.yaml must not
// list: the example Secret (never applied as is) and the migration Job (run
// and awaited before the rollout).
var appliedSeparately = []string{"secret.example.yaml", "migrate-job.yaml"}

// deployFiles are the files of deploy/ the bundle is parsed from, relative
// to deploy/; k8s/*.yaml are added by readDeployFiles.
var deployFiles = []string{"Dockerfile", "Dockerfile.dockerignore", "compose.yaml", ".env.example", "README.md"}

// readDeployFiles reads the deployment artefacts from disk into memory, so
// tests can parse either them or an edited copy.
func readDeployFiles(t *testing.T) fstest.MapFS {
	t.Helper()
	names := slices.Clone(deployFiles)
	k8s, err := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	names = append(names, k8s...)
	files := fstest.MapFS{}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.ToSlash(name)] = &fstest.MapFile{Data: data}
	}
	return files
}

// commandInfo is what cmd/sapqr declares that deployment files refer to.
type commandInfo struct {
	settings, subcommands map[string]bool
	versionVar            bool
}

func readCommandInfo(t *testing.T) commandInfo {
	t.Helper()
	var ci commandInfo
	var err error
	ci.settings, ci.subcommands, ci.versionVar, err = scanCommand(filepath.Join("..", "cmd", "sapqr"))
	if err != nil {
		t.Fatal(err)
	}
	return ci
}

// parseBundle parses the deployment files in files.
func parseBundle(files fs.FS, ci commandInfo) (*bundle, error) {
	b := &bundle{settings: ci.settings, subcommands: ci.subcommands, versionVar: ci.versionVar}
	read := func(name string) []byte {
		data, _ := fs.ReadFile(files, name) // a missing file parses as empty and fails its checks
		return data
	}
	var err error
	if b.dockerfile, err = parseDockerfile(read("Dockerfile")); err != nil {
		return nil, err
	}
	for line := range strings.SplitSeq(string(read("Dockerfile.dockerignore")), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			b.dockerignore = append(b.dockerignore, line)
		}
	}
	if err := yaml.UnmarshalStrict(read("compose.yaml"), &b.compose); err != nil {
		return nil, fmt.Errorf("compose.yaml: %v", err)
	}
	if b.envExample, err = parseEnvFile(read(".env.example")); err != nil {
		return nil, fmt.Errorf(".env.example: %v", err)
	}
	k8s, err := fs.Glob(files, "k8s/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, f := range k8s {
		base := path.Base(f)
		b.k8sFiles = append(b.k8sFiles, base)
		if base == "kustomization.yaml" {
			if err := yaml.UnmarshalStrict(read(f), &b.kustomize); err != nil {
				return nil, fmt.Errorf("%s: %v", f, err)
			}
			continue
		}
		objs, err := parseManifests(base, read(f))
		if err != nil {
			return nil, err
		}
		b.k8s = append(b.k8s, objs...)
	}
	b.readme = string(read("README.md"))
	return b, nil
}

var settingName = regexp.MustCompile(`^SAPQR_[A-Z0-9_]+$`)

// scanCommand reads the non-test Go files of cmd/sapqr and returns the
// SAPQR_* names they mention (the settings; SAPQR_TEST_* belong to tests),
// the subcommand names of its command table, and whether it declares the
// package-level string `version`.
func scanCommand(dir string) (settings, subcommands map[string]bool, versionVar bool, err error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, nil, false, err
	}
	settings, subcommands = map[string]bool{}, map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			return nil, nil, false, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING &&
					settingName.MatchString(s) && !strings.HasPrefix(s, "SAPQR_TEST_") {
					settings[s] = true
				}
			case *ast.FuncDecl:
				if n.Name.Name == "commands" && n.Recv == nil {
					ast.Inspect(n.Body, func(n ast.Node) bool {
						// Each entry is command{"name", "summary", fn}.
						if cl, ok := n.(*ast.CompositeLit); ok && len(cl.Elts) > 0 {
							if lit, ok := cl.Elts[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								s, _ := strconv.Unquote(lit.Value)
								subcommands[s] = true
							}
						}
						return true
					})
				}
			}
			return true
		})
		for _, decl := range f.Decls {
			if gd, ok := decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
				for _, spec := range gd.Specs {
					for _, id := range spec.(*ast.ValueSpec).Names {
						versionVar = versionVar || id.Name == "version"
					}
				}
			}
		}
	}
	if len(settings) == 0 || len(subcommands) == 0 {
		return nil, nil, false, fmt.Errorf("%s: found %d settings and %d subcommands; the checks would prove nothing", dir, len(settings), len(subcommands))
	}
	return settings, subcommands, versionVar, nil
}

// dockerfile is a Dockerfile as a list of build stages.
type dockerfile struct {
	stages []stage
}

// stage is one FROM … block; instructions keep their order.
type stage struct {
	from, name   string
	instructions []instruction
}

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct {
	cmd  string // upper case: RUN, COPY, …
	args string
}

// final returns the stage that becomes the image.
func (d dockerfile) final() stage { return d.stages[len(d.stages)-1] }

// all returns the arguments of every cmd instruction in s.
func (s stage) all(cmd string) []string {
	var out []string
	for _, in := range s.instructions {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// parseDockerfile splits a Dockerfile into stages and instructions. It knows
// only the syntax this repository uses: comments, parser directives and
// backslash continuations.
func parseDockerfile(data []byte) (dockerfile, error) {
	var d dockerfile
	var pending strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && pending.Len() == 0) {
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending.WriteString(cont)
			pending.WriteString(" ")
			continue
		}
		pending.WriteString(line)
		full := pending.String()
		pending.Reset()
		cmd, args, _ := strings.Cut(full, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			st := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			d.stages = append(d.stages, st)
			continue
		}
		if len(d.stages) == 0 {
			if in.cmd == "ARG" {
				continue // global ARG before the first FROM
			}
			return d, fmt.Errorf("Dockerfile: %s before the first FROM", in.cmd)
		}
		last := &d.stages[len(d.stages)-1]
		last.instructions = append(last.instructions, in)
	}
	if pending.Len() > 0 {
		return d, fmt.Errorf("Dockerfile: ends inside a continued line")
	}
	if len(d.stages) == 0 {
		return d, fmt.Errorf("Dockerfile: no FROM")
	}
	return d, sc.Err()
}

// execForm decodes an instruction argument in JSON (exec) form, with any
// leading --flags (HEALTHCHECK's) removed; ok is false for shell form.
func execForm(args string) (argv []string, ok bool) {
	for strings.HasPrefix(args, "--") {
		_, rest, _ := strings.Cut(args, " ")
		args = strings.TrimSpace(rest)
	}
	if rest, found := strings.CutPrefix(args, "CMD "); found {
		args = strings.TrimSpace(rest) // HEALTHCHECK … CMD [...]
	}
	if err := json.Unmarshal([]byte(args), &argv); err != nil {
		return nil, false
	}
	return argv, true
}

// shellWords splits a RUN command into words the way sh would for the plain
// quoting this repository uses (no expansions, no escapes inside quotes).
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed %c in %q", quote, s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// goBuild is one `go build` a Dockerfile RUN performs.
type goBuild struct {
	env  []string // VAR=value words before `go`
	args []string // after `go build`
}

// flag returns the value of a go build flag given as "-flag value" and
// whether it is present.
func (g goBuild) flag(name string) (string, bool) {
	i := slices.Index(g.args, name)
	if i < 0 || i+1 >= len(g.args) {
		return "", false
	}
	return g.args[i+1], true
}

// goBuilds extracts the go build commands of a stage's RUN instructions.
func goBuilds(s stage) ([]goBuild, error) {
	var out []goBuild
	for _, run := range s.all("RUN") {
		for cmd := range strings.SplitSeq(run, "&&") {
			words, err := shellWords(strings.TrimSpace(cmd))
			if err != nil {
				return nil, err
			}
			var g goBuild
			for len(words) > 0 && strings.HasPrefix(words[0], "--") {
				words = words[1:] // RUN --mount=…
			}
			for len(words) > 0 && strings.Contains(words[0], "=") {
				g.env = append(g.env, words[0])
				words = words[1:]
			}
			if len(words) >= 2 && words[0] == "go" && words[1] == "build" {
				g.args = words[2:]
				out = append(out, g)
			}
		}
	}
	return out, nil
}

// composeFile is the part of the compose specification compose.yaml uses.
// Unknown keys fail the strict decode, so a typo'd key is caught.
type composeFile struct {
	Name     string                    `json:"name"`
	Anchor   json.RawMessage           `json:"x-sapqr"`
	Services map[string]composeService `json:"services"`
	Volumes  map[string]any            `json:"volumes"`
}

type composeService struct {
	Image       string            `json:"image"`
	Build       *composeBuild     `json:"build"`
	Command     []string          `json:"command"`
	Environment map[string]string `json:"environment"`
	Ports       []string          `json:"ports"`
	Restart     string            `json:"restart"`
	Volumes     []string          `json:"volumes"`
	ReadOnly    bool              `json:"read_only"`
	SecurityOpt []string          `json:"security_opt"`
	CapDrop     []string          `json:"cap_drop"`
	Healthcheck *composeHealth    `json:"healthcheck"`
	DependsOn   map[string]struct {
		Condition string `json:"condition"`
	} `json:"depends_on"`
}

type composeBuild struct {
	Context    string            `json:"context"`
	Dockerfile string            `json:"dockerfile"`
	Args       map[string]string `json:"args"`
}

type composeHealth struct {
	Test        []string `json:"test"`
	Interval    string   `json:"interval"`
	Timeout     string   `json:"timeout"`
	StartPeriod string   `json:"start_period"`
	Retries     int      `json:"retries"`
}

// envLine is one KEY=value line of .env.example.
type envLine struct {
	key, value string
	line       int
}

func parseEnvFile(data []byte) ([]envLine, error) {
	var out []envLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("line %d: %q is not KEY=value", n, line)
		}
		out = append(out, envLine{key: k, value: v, line: n})
	}
	return out, sc.Err()
}

var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}`)

// interpolate expands ${VAR}, ${VAR:-default} and ${VAR:?message} the way
// docker compose does, from vars.
func interpolate(s string, vars map[string]string) string {
	return interpolation.ReplaceAllStringFunc(s, func(m string) string {
		sub := interpolation.FindStringSubmatch(m)
		if v, ok := vars[sub[1]]; ok && v != "" {
			return v
		}
		if strings.HasSuffix(sub[2], "-") {
			return sub[3]
		}
		return ""
	})
}

// object is a Kubernetes object with the fields the checks read.
type object struct {
	file       string
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   objectMeta        `json:"metadata"`
	Spec       json.RawMessage   `json:"spec"`
	Data       map[string]string `json:"data"`
	StringData map[string]string `json:"stringData"`
	Type       string            `json:"type"`
	// AutomountServiceAccountToken is a ServiceAccount's.
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken"`
}

func (o object) String() string { return o.file + ": " + o.Kind + "/" + o.Metadata.Name }

type objectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// parseManifests splits a multi-document YAML file and decodes each
// document; duplicate keys are errors.
func parseManifests(file string, data []byte) ([]object, error) {
	var out []object
	for doc := range strings.SplitSeq("\n"+string(data), "\n---") {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		js, err := yaml.YAMLToJSONStrict([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		var o object
		if err := json.Unmarshal(js, &o); err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		o.file = file
		out = append(out, o)
	}
	return out, nil
}

func stripComments(doc string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
			b.WriteString("\n")
		}
	}
	return b.String()
}

type kustomization struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Labels     []struct {
		Pairs map[string]string `json:"pairs"`
	} `json:"labels"`
	Resources []string `json:"resources"`
	Images    []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
}

// The spec shapes the checks read, a small subset of the Kubernetes API.

type deploymentSpec struct {
	Replicas *int          `json:"replicas"`
	Selector labelSelector `json:"selector"`
	Template podTemplate   `json:"template"`
}

type jobSpec struct {
	BackoffLimit *int        `json:"backoffLimit"`
	Template     podTemplate `json:"template"`
}

type labelSelector struct {
	MatchLabels map[string]string `json:"matchLabels"`
}

type podTemplate struct {
	Metadata objectMeta `json:"metadata"`
	Spec     podSpec    `json:"spec"`
}

type podSpec struct {
	ServiceAccountName           string `json:"serviceAccountName"`
	AutomountServiceAccountToken *bool  `json:"automountServiceAccountToken"`
	RestartPolicy                string `json:"restartPolicy"`
	SecurityContext              struct {
		RunAsNonRoot *bool  `json:"runAsNonRoot"`
		RunAsUser    *int64 `json:"runAsUser"`
	} `json:"securityContext"`
	Containers []container `json:"containers"`
}

type container struct {
	Name    string   `json:"name"`
	Image   string   `json:"image"`
	Command []string `json:"command"`
	Args    []string `json:"args"`
	Ports   []struct {
		Name          string `json:"name"`
		ContainerPort int    `json:"containerPort"`
	} `json:"ports"`
	Env []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"env"`
	EnvFrom []struct {
		ConfigMapRef *struct {
			Name string `json:"name"`
		} `json:"configMapRef"`
		SecretRef *struct {
			Name string `json:"name"`
		} `json:"secretRef"`
	} `json:"envFrom"`
	Resources struct {
		Requests map[string]string `json:"requests"`
		Limits   map[string]string `json:"limits"`
	} `json:"resources"`
	ReadinessProbe  *probe `json:"readinessProbe"`
	LivenessProbe   *probe `json:"livenessProbe"`
	StartupProbe    *probe `json:"startupProbe"`
	SecurityContext *struct {
		AllowPrivilegeEscalation *bool `json:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `json:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string `json:"drop"`
		} `json:"capabilities"`
	} `json:"securityContext"`
}

type probe struct {
	HTTPGet *struct {
		Path string      `json:"path"`
		Port intOrString `json:"port"`
	} `json:"httpGet"`
}

type serviceSpec struct {
	Selector map[string]string `json:"selector"`
	Ports    []struct {
		Name       string      `json:"name"`
		Port       int         `json:"port"`
		TargetPort intOrString `json:"targetPort"`
	} `json:"ports"`
}

type ingressSpec struct {
	Rules []struct {
		Host string `json:"host"`
		HTTP struct {
			Paths []struct {
				Path    string `json:"path"`
				Backend struct {
					Service struct {
						Name string `json:"name"`
						Port struct {
							Name   string `json:"name"`
							Number int    `json:"number"`
						} `json:"port"`
					} `json:"service"`
				} `json:"backend"`
			} `json:"paths"`
		} `json:"http"`
	} `json:"rules"`
}

type hpaSpec struct {
	ScaleTargetRef struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Name       string `json:"name"`
	} `json:"scaleTargetRef"`
	MinReplicas *int `json:"minReplicas"`
	MaxReplicas int  `json:"maxReplicas"`
}

type pdbSpec struct {
	MinAvailable   *intOrString  `json:"minAvailable"`
	MaxUnavailable *intOrString  `json:"maxUnavailable"`
	Selector       labelSelector `json:"selector"`
}

// intOrString is Kubernetes' IntOrString: a port number or a port name, a
// count or a percentage.
type intOrString struct {
	isInt bool
	i     int
	s     string
}

func (v *intOrString) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &v.i); err == nil {
		v.isInt = true
		return nil
	}
	return json.Unmarshal(b, &v.s)
}

func (v intOrString) String() string {
	if v.isInt {
		return strconv.Itoa(v.i)
	}
	return v.s
}

// quantity parses a Kubernetes resource quantity ("250m", "1", "512Mi",
// "1G") into milli-units, so CPU and memory compare the same way.
func quantity(s string) (int64, error) {
	suffixes := []struct {
		suffix string
		milli  float64
	}{
		{"Ki", 1024e3}, {"Mi", 1 << 20 * 1e3}, {"Gi", 1 << 30 * 1e3}, {"Ti", 1 << 40 * 1e3},
		{"k", 1e6}, {"M", 1e9}, {"G", 1e12}, {"T", 1e15}, {"m", 1},
	}
	mult := 1e3
	num := s
	for _, sf := range suffixes {
		if n, ok := strings.CutSuffix(s, sf.suffix); ok {
			num, mult = n, sf.milli
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("quantity %q: want a positive number with an optional unit (250m, 1, 512Mi)", s)
	}
	return int64(f * mult), nil
}

// goMemLimit parses a GOMEMLIMIT value as the Go runtime does: bytes, with
// an optional B, KiB, MiB, GiB or TiB suffix.
func goMemLimit(s string) (int64, error) {
	mult := int64(1)
	for _, sf := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if n, ok := strings.CutSuffix(s, sf.suffix); ok {
			s, mult = n, sf.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("GOMEMLIMIT %q: want a byte count such as 460MiB", s)
	}
	return n * mult, nil
}

// decodeSpec decodes an object's spec into v.
func decodeSpec[T any](o object) (T, error) {
	var v T
	if len(o.Spec) == 0 {
		return v, fmt.Errorf("%s: no spec", o)
	}
	if err := json.Unmarshal(o.Spec, &v); err != nil {
		return v, fmt.Errorf("%s: spec: %v", o, err)
	}
	return v, nil
}
