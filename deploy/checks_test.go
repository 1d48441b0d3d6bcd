package deploy

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// imageRepo is the image every manifest runs; only the tag varies.
const imageRepo = "ghcr.io/sapqr/sapqr"

// findings collects what the checks found wrong.
type findings []error

func (f *findings) add(format string, args ...any) { *f = append(*f, fmt.Errorf(format, args...)) }

// check runs every rule over b and returns what it found wrong.
func (b *bundle) check() []error {
	var f findings
	facts := b.checkDockerfile(&f)
	b.checkEnvExample(&f)
	b.checkCompose(&f, facts)
	b.checkKubernetes(&f, facts)
	b.checkReadme(&f)
	return f
}

// imageFacts are what the Dockerfile establishes that the other files must
// agree with.
type imageFacts struct {
	port        string   // the port SAPQR_ADDR listens on in the image
	uid         int64    // the user the image runs as
	healthcheck []string // the HEALTHCHECK command
}

// hostPort splits an address and reports whether it is HOST:PORT with a
// numeric port.
func hostPort(addr string) (host, port string, ok bool) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "", false
	}
	if _, err := strconv.Atoi(port); err != nil {
		return "", "", false
	}
	return host, port, true
}

func (b *bundle) checkDockerfile(f *findings) imageFacts {
	var facts imageFacts
	d := b.dockerfile
	if len(d.stages) < 2 {
		f.add("Dockerfile: %d stage(s); want a build stage and a small final stage", len(d.stages))
		return facts
	}
	final := d.final()
	if !strings.HasPrefix(final.from, "gcr.io/distroless/static") && final.from != "scratch" {
		f.add("Dockerfile: final stage FROM %s; want gcr.io/distroless/static… (CA certificates, tzdata, no shell) or scratch", final.from)
	}

	// The binaries the final stage copies in, by destination path.
	copied := map[string]string{}
	for _, c := range final.all("COPY") {
		w := strings.Fields(c)
		if len(w) == 3 && strings.HasPrefix(w[0], "--from=") {
			copied[w[2]] = w[1]
		}
	}

	users := final.all("USER")
	if len(users) == 0 {
		f.add("Dockerfile: final stage has no USER; the image must run non-root")
	} else {
		u, _, _ := strings.Cut(users[len(users)-1], ":")
		uid, err := strconv.ParseInt(u, 10, 64)
		switch {
		case err != nil:
			f.add("Dockerfile: USER %q; want a numeric non-root uid so Kubernetes can verify runAsNonRoot", users[len(users)-1])
		case uid == 0:
			f.add("Dockerfile: USER 0 is root; the image must run non-root")
		default:
			facts.uid = uid
		}
	}

	for _, env := range final.all("ENV") {
		k, v, _ := strings.Cut(env, "=")
		if strings.HasPrefix(k, "SAPQR_") && !b.settings[k] {
			f.add("Dockerfile: ENV %s is not a setting cmd/sapqr reads", k)
		}
		if k == "SAPQR_ADDR" {
			host, port, ok := hostPort(v)
			if !ok || (host != "0.0.0.0" && host != "") {
				f.add("Dockerfile: ENV SAPQR_ADDR=%s; a container must listen on 0.0.0.0:PORT", v)
			}
			facts.port = port
		}
	}
	if facts.port == "" {
		f.add("Dockerfile: no ENV SAPQR_ADDR; the default listens on loopback, unreachable from outside the container")
	}
	if exposed := final.all("EXPOSE"); !slices.Contains(exposed, facts.port) {
		f.add("Dockerfile: EXPOSE %v does not include the SAPQR_ADDR port %s", exposed, facts.port)
	}

	checkBinary := func(what string, argv []string) {
		if len(argv) == 0 {
			return
		}
		if _, ok := copied[argv[0]]; !ok {
			f.add("Dockerfile: %s runs %s, which the final stage does not COPY in", what, argv[0])
		}
	}
	if ep := final.all("ENTRYPOINT"); len(ep) != 1 {
		f.add("Dockerfile: %d ENTRYPOINT instructions in the final stage; want one", len(ep))
	} else if argv, ok := execForm(ep[0]); !ok || len(argv) != 1 {
		f.add("Dockerfile: ENTRYPOINT %s; want the exec form [\"/path/to/sapqr\"] (no shell in the image)", ep[0])
	} else {
		checkBinary("ENTRYPOINT", argv)
	}
	if cmd := final.all("CMD"); len(cmd) != 1 {
		f.add("Dockerfile: %d CMD instructions in the final stage; want one", len(cmd))
	} else if argv, ok := execForm(cmd[0]); !ok || len(argv) == 0 || !b.subcommands[argv[0]] {
		f.add("Dockerfile: CMD %s; want the exec form naming a sapqr subcommand", cmd[0])
	}
	if hc := final.all("HEALTHCHECK"); len(hc) != 1 {
		f.add("Dockerfile: %d HEALTHCHECK instructions in the final stage; want one", len(hc))
	} else if argv, ok := execForm(hc[0]); !ok || len(argv) < 2 {
		f.add("Dockerfile: HEALTHCHECK %s; want the exec form (the image has no shell)", hc[0])
	} else {
		checkBinary("HEALTHCHECK", argv)
		facts.healthcheck = argv
		b.checkProbeURL(f, "Dockerfile HEALTHCHECK", argv[len(argv)-1], "/healthz", facts.port)
	}

	// Every go build in the build stages makes a static, reproducible binary,
	// and sapqr's is stamped with its version.
	stamped := false
	for _, st := range d.stages[:len(d.stages)-1] {
		builds, err := goBuilds(st)
		if err != nil {
			f.add("Dockerfile: %v", err)
		}
		for _, g := range builds {
			target := g.args[len(g.args)-1]
			if !slices.Contains(g.env, "CGO_ENABLED=0") {
				f.add("Dockerfile: go build %s without CGO_ENABLED=0; the final image has no libc", target)
			}
			if !slices.Contains(g.args, "-trimpath") {
				f.add("Dockerfile: go build %s without -trimpath; builds would not be reproducible", target)
			}
			out, ok := g.flag("-o")
			if !ok || !slices.Contains(slices.Collect(maps.Values(copied)), out) {
				f.add("Dockerfile: go build %s writes %q, which the final stage does not COPY", target, out)
			}
			if target == "./cmd/sapqr" {
				ld, _ := g.flag("-ldflags")
				if !strings.Contains(ld, "-X main.version=${VERSION}") {
					f.add("Dockerfile: go build ./cmd/sapqr -ldflags %q does not stamp -X main.version=${VERSION}", ld)
				}
				if !slices.ContainsFunc(st.all("ARG"), func(a string) bool { return strings.HasPrefix(a, "VERSION") }) {
					f.add("Dockerfile: stage %s builds with ${VERSION} but declares no ARG VERSION", st.name)
				}
				stamped = true
			}
		}
	}
	if !stamped {
		f.add("Dockerfile: no stage runs go build ./cmd/sapqr")
	}
	// The build context must keep what the build reads.
	for _, p := range b.dockerignore {
		for _, needed := range []string{"go.mod", "go.sum", "cmd/sapqr/main.go", "deploy/healthcheck/main.go", "qr/banks.json"} {
			if ignores(p, needed) {
				f.add("Dockerfile.dockerignore: %q leaves %s out of the build context", p, needed)
			}
		}
	}
	if !b.versionVar {
		f.add("cmd/sapqr declares no package-level `version`; -X main.version=… would stamp nothing")
	}
	return facts
}

// checkProbeURL checks that a health URL is on loopback, on the server's
// port and on the wanted path.
func (b *bundle) checkProbeURL(f *findings, what, raw, wantPath, port string) {
	u, err := url.Parse(raw)
	if err != nil || u.Path != wantPath || u.Port() != port {
		f.add("%s probes %q; want http://127.0.0.1:%s%s", what, raw, port, wantPath)
	}
}

// composeVars are the variables compose.yaml interpolates.
func (b *bundle) composeVars() map[string]bool {
	vars := map[string]bool{}
	walk := func(s string) {
		for _, m := range interpolation.FindAllStringSubmatch(s, -1) {
			vars[m[1]] = true
		}
	}
	for _, svc := range b.compose.Services {
		walk(svc.Image)
		walk(strings.Join(svc.Ports, " "))
		for _, v := range svc.Environment {
			walk(v)
		}
		if svc.Build != nil {
			for _, v := range svc.Build.Args {
				walk(v)
			}
		}
	}
	return vars
}

func (b *bundle) checkEnvExample(f *findings) {
	seen := map[string]bool{}
	composeVars := b.composeVars()
	for _, l := range b.envExample {
		if seen[l.key] {
			f.add(".env.example:%d: %s is listed twice", l.line, l.key)
		}
		seen[l.key] = true
		if !b.settings[l.key] && !composeVars[l.key] {
			f.add(".env.example:%d: %s is neither a setting cmd/sapqr reads nor a variable compose.yaml uses", l.line, l.key)
		}
		if l.key == "SAPQR_ADDR" {
			if host, _, ok := hostPort(l.value); !ok || (host != "127.0.0.1" && host != "localhost" && host != "::1") {
				f.add(".env.example:%d: SAPQR_ADDR=%s; the safe default listens on loopback only", l.line, l.value)
			}
		}
	}
	for _, s := range slices.Sorted(maps.Keys(b.settings)) {
		if !seen[s] {
			f.add(".env.example does not list %s, which cmd/sapqr reads", s)
		}
	}
	for _, v := range slices.Sorted(maps.Keys(composeVars)) {
		if !seen[v] {
			f.add(".env.example does not list %s, which compose.yaml interpolates", v)
		}
	}
}

func (b *bundle) checkCompose(f *findings, facts imageFacts) {
	vars := map[string]string{}
	for _, l := range b.envExample {
		vars[l.key] = l.value
	}
	svcs := b.compose.Services
	for _, name := range []string{"sapqr", "migrate", "postgres", "redis"} {
		if _, ok := svcs[name]; !ok {
			f.add("compose.yaml: no service %q", name)
		}
	}
	wantCommand := map[string]string{"sapqr": "serve", "migrate": "migrate"}
	for _, name := range slices.Sorted(maps.Keys(svcs)) {
		svc := svcs[name]
		if svc.Restart != "no" && (svc.Healthcheck == nil || len(svc.Healthcheck.Test) < 2) {
			f.add("compose.yaml: long-running service %s has no healthcheck", name)
		}
		for _, v := range svc.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") {
				if _, ok := b.compose.Volumes[src]; !ok {
					f.add("compose.yaml: service %s mounts volume %q, not declared under volumes", name, src)
				}
			}
		}
		for dep := range svc.DependsOn {
			if _, ok := svcs[dep]; !ok {
				f.add("compose.yaml: service %s depends on unknown service %s", name, dep)
			}
		}
		want, isSapqr := wantCommand[name]
		if !isSapqr {
			continue
		}
		// The sapqr image: built from deploy/Dockerfile, the same repository
		// as Kubernetes runs, hardened, configured only with real settings.
		if repo, _, _ := strings.Cut(interpolate(svc.Image, vars), ":"); repo != imageRepo {
			f.add("compose.yaml: service %s image %s; want %s:TAG like the Kubernetes manifests", name, svc.Image, imageRepo)
		}
		if svc.Build == nil {
			f.add("compose.yaml: service %s has no build section", name)
		} else if _, err := os.Stat(filepath.Join(svc.Build.Context, svc.Build.Dockerfile)); err != nil || svc.Build.Dockerfile != "deploy/Dockerfile" {
			f.add("compose.yaml: service %s builds %s/%s; want context .. and deploy/Dockerfile", name, svc.Build.Context, svc.Build.Dockerfile)
		}
		if len(svc.Command) == 0 || svc.Command[0] != want || !b.subcommands[want] {
			f.add("compose.yaml: service %s command %v; want [%s], a sapqr subcommand", name, svc.Command, want)
		}
		if !svc.ReadOnly || !slices.Contains(svc.CapDrop, "ALL") {
			f.add("compose.yaml: service %s must be read_only with cap_drop ALL", name)
		}
		for k, v := range svc.Environment {
			if !b.settings[k] {
				f.add("compose.yaml: service %s sets %s, not a setting cmd/sapqr reads", name, k)
			}
			v = interpolate(v, vars)
			switch k {
			case "SAPQR_ADDR":
				if _, port, ok := hostPort(v); !ok || port != facts.port {
					f.add("compose.yaml: service %s SAPQR_ADDR=%s; want port %s like the image", name, v, facts.port)
				}
			case "SAPQR_DATABASE_URL", "SAPQR_REDIS_URL":
				u, err := url.Parse(v)
				if err != nil {
					f.add("compose.yaml: service %s %s: %v", name, k, err)
					break
				}
				if _, ok := svcs[u.Hostname()]; !ok {
					f.add("compose.yaml: service %s %s names host %q, not a compose service", name, k, u.Hostname())
				}
				if _, ok := svc.DependsOn[u.Hostname()]; !ok {
					f.add("compose.yaml: service %s uses %s but does not depend on it", name, u.Hostname())
				}
			}
		}
		if k := "SAPQR_DATABASE_URL"; svc.Environment[k] != "" {
			u, _ := url.Parse(interpolate(svc.Environment[k], vars))
			pg := svcs["postgres"].Environment
			pass, _ := u.User.Password()
			if u.User.Username() != pg["POSTGRES_USER"] || strings.TrimPrefix(u.Path, "/") != pg["POSTGRES_DB"] ||
				pass != interpolate(pg["POSTGRES_PASSWORD"], vars) {
				f.add("compose.yaml: service %s SAPQR_DATABASE_URL does not match the postgres service's user, database and password", name)
			}
		}
	}
	if sapqr, ok := svcs["sapqr"]; ok {
		for dep, cond := range map[string]string{"postgres": "service_healthy", "redis": "service_healthy", "migrate": "service_completed_successfully"} {
			if got := sapqr.DependsOn[dep].Condition; got != cond {
				f.add("compose.yaml: sapqr depends on %s with condition %q; want %s", dep, got, cond)
			}
		}
		if hc := sapqr.Healthcheck; hc != nil && !slices.Equal(hc.Test, append([]string{"CMD"}, facts.healthcheck...)) {
			f.add("compose.yaml: sapqr healthcheck %v; want the image's HEALTHCHECK [CMD %s]", hc.Test, strings.Join(facts.healthcheck, " "))
		}
		for _, p := range sapqr.Ports {
			p = interpolate(p, vars)
			i := strings.LastIndex(p, ":")
			if p[i+1:] != facts.port {
				f.add("compose.yaml: sapqr publishes %s; want the container port %s", p, facts.port)
			}
			if host, _, ok := hostPort(p[:i]); !ok || host != "127.0.0.1" {
				f.add("compose.yaml: sapqr publishes %s by default; want loopback (127.0.0.1:PORT) unless .env says otherwise", p)
			}
		}
	}
	if pg, ok := svcs["postgres"]; ok && !slices.ContainsFunc(pg.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/var/lib/postgresql/data") }) {
		f.add("compose.yaml: postgres keeps its data in no volume; a restart would lose the database")
	}
}

// workload is a Deployment or Job's pod template with where it came from.
type workload struct {
	obj object
	pod podTemplate
}

func (b *bundle) checkKubernetes(f *findings, facts imageFacts) {
	byKind := map[string][]object{}
	seen := map[string]bool{}
	apiVersions := map[string]string{
		"Namespace": "v1", "ServiceAccount": "v1", "ConfigMap": "v1", "Secret": "v1", "Service": "v1",
		"Deployment": "apps/v1", "Job": "batch/v1", "Ingress": "networking.k8s.io/v1",
		"HorizontalPodAutoscaler": "autoscaling/v2", "PodDisruptionBudget": "policy/v1",
	}
	for _, o := range b.k8s {
		want, known := apiVersions[o.Kind]
		switch {
		case !known:
			f.add("%s: kind %s is not one the checks know", o, o.Kind)
		case o.APIVersion != want:
			f.add("%s: apiVersion %s; want %s", o, o.APIVersion, want)
		}
		key := o.Kind + "/" + o.Metadata.Name
		if seen[key] {
			f.add("%s: defined twice", o)
		}
		seen[key] = true
		if o.Metadata.Name == "" {
			f.add("%s: no metadata.name", o)
		}
		if o.Kind != "Namespace" && o.Metadata.Namespace != b.kustomize.Namespace {
			f.add("%s: namespace %q; want %q like kustomization.yaml", o, o.Metadata.Namespace, b.kustomize.Namespace)
		}
		if o.Metadata.Labels["app.kubernetes.io/name"] != "sapqr" {
			f.add("%s: no label app.kubernetes.io/name: sapqr", o)
		}
		byKind[o.Kind] = append(byKind[o.Kind], o)
	}
	find := func(kind, name string) (object, bool) {
		for _, o := range byKind[kind] {
			if o.Metadata.Name == name {
				return o, true
			}
		}
		return object{}, false
	}
	one := func(kind string) (object, bool) {
		if n := len(byKind[kind]); n != 1 {
			f.add("k8s: %d %s objects; want exactly one", n, kind)
			return object{}, false
		}
		return byKind[kind][0], true
	}

	// kustomization.yaml lists every file but the ones applied separately.
	for _, file := range b.k8sFiles {
		listed := slices.Contains(b.kustomize.Resources, file)
		separate := slices.Contains(appliedSeparately, file)
		if file != "kustomization.yaml" && listed == separate {
			if separate {
				f.add("kustomization.yaml lists %s, which must be applied separately", file)
			} else {
				f.add("kustomization.yaml does not list %s", file)
			}
		}
	}
	for _, r := range b.kustomize.Resources {
		if !slices.Contains(b.k8sFiles, r) {
			f.add("kustomization.yaml lists %s, which does not exist", r)
		}
	}
	if len(b.kustomize.Images) != 1 || b.kustomize.Images[0].Name != imageRepo {
		f.add("kustomization.yaml: images must set the tag of %s, once", imageRepo)
	}

	// ConfigMap keys and Secret keys are settings; example secrets are visibly fake.
	for _, o := range byKind["ConfigMap"] {
		for k, v := range o.Data {
			if !b.settings[k] {
				f.add("%s: key %s is not a setting cmd/sapqr reads", o, k)
			}
			if k == "SAPQR_ADDR" {
				if _, port, ok := hostPort(v); !ok || port != facts.port {
					f.add("%s: SAPQR_ADDR=%s; want port %s like the image", o, v, facts.port)
				}
			}
		}
	}
	for _, o := range byKind["Secret"] {
		if o.file != "secret.example.yaml" {
			f.add("%s: a Secret with values belongs in secret.example.yaml, never applied as is", o)
		}
		for k, v := range o.StringData {
			if !b.settings[k] {
				f.add("%s: key %s is not a setting cmd/sapqr reads", o, k)
			}
			if !strings.Contains(v, "CHANGE-ME") {
				f.add("%s: example value of %s does not say CHANGE-ME", o, k)
			}
		}
	}

	// Workloads: same image, hardened, limited, configured from existing
	// ConfigMaps and Secrets with real settings, running a real subcommand.
	var workloads []workload
	var tags []string
	for _, o := range byKind["Deployment"] {
		if spec, err := decodeSpec[deploymentSpec](o); err != nil {
			f.add("%v", err)
		} else {
			workloads = append(workloads, workload{o, spec.Template})
		}
	}
	for _, o := range byKind["Job"] {
		if spec, err := decodeSpec[jobSpec](o); err != nil {
			f.add("%v", err)
		} else {
			workloads = append(workloads, workload{o, spec.Template})
			if spec.BackoffLimit == nil {
				f.add("%s: no backoffLimit; a failing migration would retry six times by default", o)
			}
			if p := spec.Template.Spec.RestartPolicy; p != "Never" && p != "OnFailure" {
				f.add("%s: restartPolicy %q; want Never or OnFailure", o, p)
			}
		}
	}
	for _, w := range workloads {
		o, ps := w.obj, w.pod.Spec
		if ps.SecurityContext.RunAsNonRoot == nil || !*ps.SecurityContext.RunAsNonRoot {
			f.add("%s: pod securityContext.runAsNonRoot is not true", o)
		}
		if u := ps.SecurityContext.RunAsUser; u == nil || *u != facts.uid {
			f.add("%s: pod securityContext.runAsUser is not the image's uid %d", o, facts.uid)
		}
		if ps.ServiceAccountName != "" {
			if _, ok := find("ServiceAccount", ps.ServiceAccountName); !ok {
				f.add("%s: serviceAccountName %s does not exist", o, ps.ServiceAccountName)
			}
		}
		if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
			f.add("%s: automountServiceAccountToken is not false; sapqr never calls the Kubernetes API", o)
		}
		if len(ps.Containers) != 1 {
			f.add("%s: %d containers; want one", o, len(ps.Containers))
			continue
		}
		c := ps.Containers[0]
		repo, tag, _ := strings.Cut(c.Image, ":")
		if repo != imageRepo || tag == "" {
			f.add("%s: image %s; want %s:TAG", o, c.Image, imageRepo)
		}
		tags = append(tags, tag)
		if len(c.Command) != 0 {
			f.add("%s: command overrides the image's ENTRYPOINT; set args only", o)
		}
		if len(c.Args) == 0 || !b.subcommands[c.Args[0]] {
			f.add("%s: args %v do not start with a sapqr subcommand", o, c.Args)
		}
		sc := c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			f.add("%s: container securityContext must set allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities.drop [ALL]", o)
		}
		for _, res := range []string{"cpu", "memory"} {
			req, errReq := quantity(c.Resources.Requests[res])
			lim, errLim := quantity(c.Resources.Limits[res])
			switch {
			case errReq != nil:
				f.add("%s: resources.requests.%s: %v", o, res, errReq)
			case errLim != nil:
				f.add("%s: resources.limits.%s: %v", o, res, errLim)
			case req > lim:
				f.add("%s: resources.requests.%s %s exceeds the limit %s", o, res, c.Resources.Requests[res], c.Resources.Limits[res])
			}
		}
		for _, e := range c.Env {
			if !b.settings[e.Name] && !runtimeEnv[e.Name] {
				f.add("%s: env %s is neither a sapqr setting nor a Go runtime variable", o, e.Name)
			}
			if e.Name == "GOMEMLIMIT" {
				soft, err := goMemLimit(e.Value)
				hard, errLim := quantity(c.Resources.Limits["memory"])
				hard /= 1000 // milli-units to bytes
				switch {
				case err != nil:
					f.add("%s: %v", o, err)
				case errLim == nil && (soft > hard*95/100 || soft < hard*75/100):
					f.add("%s: GOMEMLIMIT %s is not 75–95 %% of the memory limit %s", o, e.Value, c.Resources.Limits["memory"])
				}
			}
		}
		for _, ef := range c.EnvFrom {
			if ef.ConfigMapRef != nil {
				if _, ok := find("ConfigMap", ef.ConfigMapRef.Name); !ok {
					f.add("%s: envFrom ConfigMap %s does not exist", o, ef.ConfigMapRef.Name)
				}
			}
			if ef.SecretRef != nil {
				if _, ok := find("Secret", ef.SecretRef.Name); !ok {
					f.add("%s: envFrom Secret %s has no example in secret.example.yaml", o, ef.SecretRef.Name)
				}
			}
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(tags)))) > 1 {
		f.add("k8s: workloads run different image tags %v; the migration Job must run the Deployment's image", tags)
	}

	// The Deployment, and everything that points at it.
	dep, ok := one("Deployment")
	if !ok {
		return
	}
	spec, err := decodeSpec[deploymentSpec](dep)
	if err != nil || len(spec.Template.Spec.Containers) != 1 {
		return // reported above
	}
	podLabels := spec.Template.Metadata.Labels
	selects := func(sel map[string]string) bool {
		if len(sel) == 0 {
			return false
		}
		for k, v := range sel {
			if podLabels[k] != v {
				return false
			}
		}
		return true
	}
	if !selects(spec.Selector.MatchLabels) {
		f.add("%s: selector %v does not select its own pod template labels %v", dep, spec.Selector.MatchLabels, podLabels)
	}
	for _, w := range workloads {
		if w.obj.Kind == "Job" && selects(spec.Selector.MatchLabels) && selects(w.pod.Metadata.Labels) {
			f.add("%s: its pods carry the Deployment's selector labels and would be counted as server pods", w.obj)
		}
	}
	if spec.Replicas == nil || *spec.Replicas < 2 {
		f.add("%s: replicas below 2; one pod is a single point of failure", dep)
	}
	c := spec.Template.Spec.Containers[0]
	if len(c.Args) == 0 || c.Args[0] != "serve" {
		f.add("%s: args %v; want [serve]", dep, c.Args)
	}
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
		if strconv.Itoa(p.ContainerPort) != facts.port {
			f.add("%s: containerPort %d; want %s, the port SAPQR_ADDR listens on", dep, p.ContainerPort, facts.port)
		}
	}
	portOf := func(v intOrString) (int, bool) {
		if v.isInt {
			return v.i, slices.Contains(slices.Collect(maps.Values(ports)), v.i)
		}
		p, ok := ports[v.s]
		return p, ok
	}
	for _, pr := range []struct {
		name string
		p    *probe
		path string
	}{
		{"readinessProbe", c.ReadinessProbe, "/readyz"},
		{"livenessProbe", c.LivenessProbe, "/healthz"},
	} {
		if pr.p == nil || pr.p.HTTPGet == nil {
			f.add("%s: no %s.httpGet", dep, pr.name)
			continue
		}
		if pr.p.HTTPGet.Path != pr.path {
			f.add("%s: %s on %s; want %s", dep, pr.name, pr.p.HTTPGet.Path, pr.path)
		}
		if _, ok := portOf(pr.p.HTTPGet.Port); !ok {
			f.add("%s: %s port %s is not a container port", dep, pr.name, pr.p.HTTPGet.Port)
		}
	}

	// Service → Deployment pods.
	svcPorts := map[string]bool{}
	for _, o := range byKind["Service"] {
		s, err := decodeSpec[serviceSpec](o)
		if err != nil {
			f.add("%v", err)
			continue
		}
		if !selects(s.Selector) {
			f.add("%s: selector %v selects no Deployment pod (labels %v)", o, s.Selector, podLabels)
		}
		for _, p := range s.Ports {
			if _, ok := portOf(p.TargetPort); !ok {
				f.add("%s: targetPort %s is not a container port", o, p.TargetPort)
			}
			svcPorts[o.Metadata.Name+"/"+p.Name] = true
			svcPorts[o.Metadata.Name+"/"+strconv.Itoa(p.Port)] = true
		}
	}
	// Ingress → Service.
	for _, o := range byKind["Ingress"] {
		s, err := decodeSpec[ingressSpec](o)
		if err != nil {
			f.add("%v", err)
			continue
		}
		for _, r := range s.Rules {
			for _, p := range r.HTTP.Paths {
				be := p.Backend.Service
				port := be.Port.Name
				if port == "" {
					port = strconv.Itoa(be.Port.Number)
				}
				if !svcPorts[be.Name+"/"+port] {
					f.add("%s: backend %s port %s is not a Service port", o, be.Name, port)
				}
			}
		}
	}
	// HPA → Deployment; PDB → its pods, leaving some running.
	minReplicas := 1
	if o, ok := one("HorizontalPodAutoscaler"); ok {
		h, err := decodeSpec[hpaSpec](o)
		switch {
		case err != nil:
			f.add("%v", err)
		case h.ScaleTargetRef.Kind != "Deployment" || h.ScaleTargetRef.Name != dep.Metadata.Name:
			f.add("%s: scaleTargetRef %s/%s; want Deployment/%s", o, h.ScaleTargetRef.Kind, h.ScaleTargetRef.Name, dep.Metadata.Name)
		case h.MinReplicas == nil || *h.MinReplicas < 2 || *h.MinReplicas > h.MaxReplicas:
			f.add("%s: minReplicas must be at least 2 and at most maxReplicas %d", o, h.MaxReplicas)
		default:
			minReplicas = *h.MinReplicas
			if spec.Replicas != nil && (*spec.Replicas < minReplicas || *spec.Replicas > h.MaxReplicas) {
				f.add("%s: Deployment replicas %d outside [%d, %d]", o, *spec.Replicas, minReplicas, h.MaxReplicas)
			}
		}
	}
	if o, ok := one("PodDisruptionBudget"); ok {
		p, err := decodeSpec[pdbSpec](o)
		switch {
		case err != nil:
			f.add("%v", err)
		case !selects(p.Selector.MatchLabels):
			f.add("%s: selector %v selects no Deployment pod", o, p.Selector.MatchLabels)
		case p.MaxUnavailable != nil && p.MaxUnavailable.isInt && p.MaxUnavailable.i >= minReplicas:
			f.add("%s: maxUnavailable %d would let a drain take every one of the %d pods", o, p.MaxUnavailable.i, minReplicas)
		case p.MinAvailable != nil && p.MinAvailable.isInt && p.MinAvailable.i >= minReplicas:
			f.add("%s: minAvailable %d with %d pods would block every drain", o, p.MinAvailable.i, minReplicas)
		case p.MinAvailable == nil && p.MaxUnavailable == nil:
			f.add("%s: sets neither minAvailable nor maxUnavailable", o)
		}
	}
}

// readmeSections are what the operations guide must cover, by heading.
var readmeSections = []string{"Configuration", "Backup and restore", "Upgrading", "Rotating secrets", "Monitoring", "Counters", "Drills"}

func (b *bundle) checkReadme(f *findings) {
	for _, s := range slices.Sorted(maps.Keys(b.settings)) {
		if !strings.Contains(b.readme, "`"+s+"`") {
			f.add("README.md: the configuration reference does not list `%s`", s)
		}
	}
	for _, h := range readmeSections {
		if !strings.Contains(b.readme, "\n## "+h) {
			f.add("README.md: no section \"## %s\"", h)
		}
	}
	for _, file := range b.k8sFiles {
		if !strings.Contains(b.readme, path.Join("k8s", file)) && !strings.Contains(b.readme, file) {
			f.add("README.md: does not mention k8s/%s", file)
		}
	}
}

// ignores reports whether a .dockerignore pattern excludes file: the
// pattern matches the file or one of its parent directories ("**/" matches
// any depth).
func ignores(pattern, file string) bool {
	pattern = strings.TrimPrefix(pattern, "/")
	parts := strings.Split(file, "/")
	for i := 1; i <= len(parts); i++ {
		p := strings.Join(parts[:i], "/")
		if ok, _ := path.Match(pattern, p); ok {
			return true
		}
		if rest, found := strings.CutPrefix(pattern, "**/"); found {
			for j := range i {
				if ok, _ := path.Match(rest, strings.Join(parts[j:i], "/")); ok {
					return true
				}
			}
		}
	}
	return false
}
