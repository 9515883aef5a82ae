// gitops-check: the tools Argo CD and Flux use to judge a Stack's health, run outside them, so the
// tests can check the Stack's status against the real interpreters (test tool, never shipped).
//
//	gitops-check argocd-test <dir>            runs <dir>/health.lua on every case of <dir>/health_test.yaml
//	                                          (Argo CD's resource_customizations layout) and compares
//	                                          status and message exactly, as Argo CD's own test does
//	gitops-check argocd <health.lua> <file|->  prints "<status>\t<message>" for one object
//	gitops-check kstatus <file|->              prints "<status>\t<message>" as kstatus (Flux) computes it
//
// Objects are YAML or JSON. The Lua runs like an argocd-cm health override: gopher-lua with only the
// package, base and table libraries (no string/os/io), a 1 s deadline and the object as the global
// `obj`, numbers as Lua numbers.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

type healthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

type healthTest struct {
	Tests []struct {
		InputPath    string       `json:"inputPath"`
		HealthStatus healthStatus `json:"healthStatus"`
	} `json:"tests"`
}

func readObject(path string) (*unstructured.Unstructured, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return u, nil
}

// toLua turns a decoded JSON value into Lua values: objects and arrays become tables.
func toLua(l *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case string:
		return lua.LString(x)
	case int64:
		return lua.LNumber(x)
	case float64:
		return lua.LNumber(x)
	case []any:
		t := l.CreateTable(len(x), 0)
		for _, e := range x {
			t.Append(toLua(l, e))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(x))
		for k, e := range x {
			t.RawSetString(k, toLua(l, e))
		}
		return t
	}
	return lua.LNil
}

func fieldString(t *lua.LTable, key string) (string, error) {
	switch v := t.RawGetString(key).(type) {
	case *lua.LNilType:
		return "", nil
	case lua.LString:
		return string(v), nil
	default:
		return "", fmt.Errorf("health.%s is a %s, not a string", key, v.Type())
	}
}

var validStatus = map[string]bool{"Healthy": true, "Progressing": true, "Degraded": true,
	"Suspended": true, "Missing": true, "Unknown": true}

func argocdHealth(script string, obj *unstructured.Unstructured) (healthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for name, open := range map[string]lua.LGFunction{lua.LoadLibName: lua.OpenPackage,
		lua.BaseLibName: lua.OpenBase, lua.TabLibName: lua.OpenTable} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(open), Protect: true}, lua.LString(name)); err != nil {
			return healthStatus{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj.Object))
	if err := l.DoString(script); err != nil {
		return healthStatus{}, err
	}
	t, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return healthStatus{}, fmt.Errorf("health.lua returned a %s, not a table", l.Get(-1).Type())
	}
	var hs healthStatus
	var err error
	if hs.Status, err = fieldString(t, "status"); err != nil {
		return hs, err
	}
	if hs.Message, err = fieldString(t, "message"); err != nil {
		return hs, err
	}
	if !validStatus[hs.Status] {
		return hs, fmt.Errorf("health.lua returned status %q, which Argo CD treats as invalid", hs.Status)
	}
	return hs, nil
}

func argocdTest(dir string) error {
	script, err := os.ReadFile(filepath.Join(dir, "health.lua"))
	if err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(dir, "health_test.yaml"))
	if err != nil {
		return err
	}
	var tests healthTest
	if err := yaml.UnmarshalStrict(data, &tests); err != nil {
		return fmt.Errorf("health_test.yaml: %w", err)
	}
	if len(tests.Tests) == 0 {
		return errors.New("health_test.yaml has no tests")
	}
	failed := 0
	for _, tc := range tests.Tests {
		obj, err := readObject(filepath.Join(dir, tc.InputPath))
		if err != nil {
			return err
		}
		got, err := argocdHealth(string(script), obj)
		if err != nil {
			fmt.Printf("FAIL - %s: %v\n", tc.InputPath, err)
			failed++
			continue
		}
		if got != tc.HealthStatus {
			fmt.Printf("FAIL - %s: got %s %q, want %s %q\n", tc.InputPath, got.Status, got.Message,
				tc.HealthStatus.Status, tc.HealthStatus.Message)
			failed++
			continue
		}
		fmt.Printf("ok   - %s: %s %q\n", tc.InputPath, got.Status, got.Message)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d health tests failed", failed, len(tests.Tests))
	}
	return nil
}

func run(args []string) error {
	switch {
	case len(args) == 2 && args[0] == "argocd-test":
		return argocdTest(args[1])
	case len(args) == 3 && args[0] == "argocd":
		script, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		obj, err := readObject(args[2])
		if err != nil {
			return err
		}
		hs, err := argocdHealth(string(script), obj)
		if err != nil {
			return err
		}
		fmt.Printf("%s\t%s\n", hs.Status, hs.Message)
		return nil
	case len(args) == 2 && args[0] == "kstatus":
		obj, err := readObject(args[1])
		if err != nil {
			return err
		}
		res, err := status.Compute(obj)
		if err != nil {
			return err
		}
		fmt.Printf("%s\t%s\n", res.Status, res.Message)
		return nil
	}
	return errors.New("usage: gitops-check argocd-test <dir> | argocd <health.lua> <file|-> | kstatus <file|->")
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gitops-check:", err)
		os.Exit(1)
	}
}

