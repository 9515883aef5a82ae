// gojson: the Go side of the stack JSON benchmark. It decodes and re-encodes the same v1beta2
// Stack documents that bench_convert's json_decode_encode uses (written by
// `bench_convert --dump-json DIR`), with encoding/json and structs shaped like the v1beta2 schema,
// and prints microseconds per stack. Usage: gojson [-iterations N] DIR_OR_FILE...
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

type ObjectMeta struct {
	Name              string            `json:"name,omitempty"`
	GenerateName      string            `json:"generateName,omitempty"`
	Namespace         string            `json:"namespace,omitempty"`
	UID               string            `json:"uid,omitempty"`
	ResourceVersion   string            `json:"resourceVersion,omitempty"`
	Generation        int64             `json:"generation,omitempty"`
	CreationTimestamp string            `json:"creationTimestamp,omitempty"`
	DeletionTimestamp *string           `json:"deletionTimestamp,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	Annotations       map[string]string `json:"annotations,omitempty"`
	Finalizers        []string          `json:"finalizers,omitempty"`
	ManagedFields     []json.RawMessage `json:"managedFields,omitempty"`
}

type Stack struct {
	APIVersion string       `json:"apiVersion,omitempty"`
	Kind       string       `json:"kind,omitempty"`
	Metadata   ObjectMeta   `json:"metadata"`
	Spec       *StackSpec   `json:"spec,omitempty"`
	Status     *StackStatus `json:"status,omitempty"`
}

type StackSpec struct {
	Services []ServiceConfig             `json:"services,omitempty"`
	Secrets  map[string]FileObjectConfig `json:"secrets,omitempty"`
	Configs  map[string]FileObjectConfig `json:"configs,omitempty"`
	Volumes  map[string]VolumeClaim      `json:"volumes,omitempty"`
}

type VolumeClaim struct {
	Size             *string  `json:"size,omitempty"`
	StorageClassName *string  `json:"storageClassName,omitempty"`
	AccessModes      []string `json:"accessModes,omitempty"`
}

type External struct {
	Name     string `json:"name,omitempty"`
	External bool   `json:"external,omitempty"`
}

type FileObjectConfig struct {
	Name     string            `json:"name,omitempty"`
	File     string            `json:"file,omitempty"`
	External External          `json:"external,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
}

type ServicePortConfig struct {
	Mode      string `json:"mode,omitempty"`
	Target    uint32 `json:"target,omitempty"`
	Published uint32 `json:"published,omitempty"`
	Protocol  string `json:"protocol,omitempty"`
}

type ServiceVolumeConfig struct {
	Type     string `json:"type,omitempty"`
	Source   string `json:"source,omitempty"`
	Target   string `json:"target,omitempty"`
	ReadOnly bool   `json:"read_only,omitempty"`
}

type FileReferenceConfig struct {
	Source string  `json:"source,omitempty"`
	Target string  `json:"target,omitempty"`
	UID    string  `json:"uid,omitempty"`
	GID    string  `json:"gid,omitempty"`
	Mode   *uint32 `json:"mode,omitempty"`
}

type HealthCheckConfig struct {
	Test        []string       `json:"test,omitempty"`
	Timeout     *time.Duration `json:"timeout,omitempty"`
	Interval    *time.Duration `json:"interval,omitempty"`
	Retries     *uint64        `json:"retries,omitempty"`
	StartPeriod *time.Duration `json:"start_period,omitempty"`
}

type Constraint struct {
	Value    string
	Operator string
}

type Constraints struct {
	OperatingSystem *Constraint
	Architecture    *Constraint
	Hostname        *Constraint
	MatchLabels     map[string]Constraint
}

type Placement struct {
	Constraints *Constraints `json:"constraints,omitempty"`
}

type Resource struct {
	NanoCPUs    string `json:"cpus,omitempty"`
	MemoryBytes int64  `json:"memory,omitempty"`
}

type Resources struct {
	Limits       *Resource `json:"limits,omitempty"`
	Reservations *Resource `json:"reservations,omitempty"`
}

type UpdateConfig struct {
	Parallelism *uint64 `json:"paralellism,omitempty"`
}

type RestartPolicy struct {
	Condition string `json:"condition,omitempty"`
}

type DeployConfig struct {
	Mode          string            `json:"mode,omitempty"`
	Replicas      *uint64           `json:"replicas,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
	UpdateConfig  *UpdateConfig     `json:"update_config,omitempty"`
	Resources     Resources         `json:"resources,omitempty"`
	RestartPolicy *RestartPolicy    `json:"restart_policy,omitempty"`
	Placement     Placement         `json:"placement,omitempty"`
}

type InternalPort struct {
	Port     int32  `json:"port,omitempty"`
	Protocol string `json:"protocol,omitempty"`
}

type ServiceConfig struct {
	Name                string                `json:"name,omitempty"`
	CapAdd              []string              `json:"cap_add,omitempty"`
	CapDrop             []string              `json:"cap_drop,omitempty"`
	Command             []string              `json:"command,omitempty"`
	Configs             []FileReferenceConfig `json:"configs,omitempty"`
	Deploy              DeployConfig          `json:"deploy,omitempty"`
	Entrypoint          []string              `json:"entrypoint,omitempty"`
	Environment         map[string]*string    `json:"environment,omitempty"`
	ExtraHosts          []string              `json:"extra_hosts,omitempty"`
	Hostname            string                `json:"hostname,omitempty"`
	HealthCheck         *HealthCheckConfig    `json:"health_check,omitempty"`
	Image               string                `json:"image,omitempty"`
	Ipc                 string                `json:"ipc,omitempty"`
	Labels              map[string]string     `json:"labels,omitempty"`
	Pid                 string                `json:"pid,omitempty"`
	Ports               []ServicePortConfig   `json:"ports,omitempty"`
	Privileged          bool                  `json:"privileged,omitempty"`
	ReadOnly            bool                  `json:"read_only,omitempty"`
	Secrets             []FileReferenceConfig `json:"secrets,omitempty"`
	StdinOpen           bool                  `json:"stdin_open,omitempty"`
	StopGracePeriod     *time.Duration        `json:"stop_grace_period,omitempty"`
	Tmpfs               []string              `json:"tmpfs,omitempty"`
	Tty                 bool                  `json:"tty,omitempty"`
	User                *int64                `json:"user,omitempty"`
	Group               *int64                `json:"group,omitempty"`
	Volumes             []ServiceVolumeConfig `json:"volumes,omitempty"`
	WorkingDir          string                `json:"working_dir,omitempty"`
	PullSecret          string                `json:"pull_secret,omitempty"`
	PullPolicy          string                `json:"pull_policy,omitempty"`
	InternalPorts       []InternalPort        `json:"internal_ports,omitempty"`
	InternalServiceType string                `json:"internal_service_type,omitempty"`
}

type Condition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	ObservedGeneration int64  `json:"observedGeneration,omitempty"`
	LastTransitionTime string `json:"lastTransitionTime"`
	Reason             string `json:"reason"`
	Message            string `json:"message"`
}

type ServiceStatus struct {
	Desired int32 `json:"desired"`
	Ready   int32 `json:"ready"`
	Updated int32 `json:"updated"`
}

type StackStatus struct {
	ObservedGeneration *int64                   `json:"observedGeneration,omitempty"`
	Phase              string                   `json:"phase,omitempty"`
	Message            string                   `json:"message,omitempty"`
	Conditions         []Condition              `json:"conditions,omitempty"`
	Services           map[string]ServiceStatus `json:"services,omitempty"`
	ServiceCount       *int32                   `json:"serviceCount,omitempty"`
	Ready              string                   `json:"ready,omitempty"`
}

var sink int

func main() {
	iterations := flag.Int("iterations", 2000, "decode+encode rounds per document")
	flag.Parse()
	var files []string
	for _, arg := range flag.Args() {
		if st, err := os.Stat(arg); err == nil && st.IsDir() {
			m, _ := filepath.Glob(filepath.Join(arg, "*.json"))
			files = append(files, m...)
		} else {
			files = append(files, arg)
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		fmt.Fprintln(os.Stderr, "usage: gojson [-iterations N] DIR_OR_FILE...")
		os.Exit(2)
	}
	total := 0.0
	for _, f := range files {
		doc, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		once := func() int {
			var s Stack
			if err := json.Unmarshal(doc, &s); err != nil {
				fmt.Fprintln(os.Stderr, f, err)
				os.Exit(1)
			}
			out, err := json.Marshal(&s)
			if err != nil {
				fmt.Fprintln(os.Stderr, f, err)
				os.Exit(1)
			}
			return len(out)
		}
		once()
		start := time.Now()
		for i := 0; i < *iterations; i++ {
			sink += once()
		}
		us := float64(time.Since(start).Microseconds()) / float64(*iterations)
		total += us
		fmt.Printf("%s: go_json_decode_encode_us=%.2f\n", strings.TrimSuffix(filepath.Base(f), ".json"), us)
	}
	fmt.Printf("files=%d go_mean_json_decode_encode_us=%.2f (sink %d)\n", len(files), total/float64(len(files)), sink%10)
}
