// bundle-validate: validates an OLM bundle directory (manifests/ + metadata/) with
// operator-framework's own validators, the ones `operator-sdk bundle validate
// --select-optional suite=operatorframework` runs (operator-sdk itself is not served by the Go
// module proxy). Test tool, never shipped.
//
//	bundle-validate <bundle dir>   prints every error and warning; exits 1 on any error, or on
//	                               any warning with -strict
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/validation"
	"github.com/operator-framework/api/pkg/validation/errors"
)

func main() {
	strict := flag.Bool("strict", false, "fail on warnings too")
	k8sVersion := flag.String("k8s-version", "1.34", "Kubernetes version for the deprecated-API check")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: bundle-validate [-strict] [-k8s-version 1.34] <bundle dir>")
		os.Exit(2)
	}
	bundle, err := manifests.GetBundleFromDir(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bundle-validate: loading the bundle:", err)
		os.Exit(1)
	}
	// The default bundle validators plus the operatorframework suite.
	validators := validation.DefaultBundleValidators.WithValidators(
		validation.OperatorHubV2Validator,
		validation.StandardCapabilitiesValidator,
		validation.StandardCategoriesValidator,
		validation.GoodPracticesValidator,
		validation.AlphaDeprecatedAPIsValidator,
		validation.ObjectValidator,
	)
	objs := append(bundle.ObjectsToValidate(), map[string]string{"k8s-version": *k8sVersion})
	errs, warns := 0, 0
	for _, r := range validators.Validate(objs...) {
		for _, e := range r.Errors {
			level := "warning"
			if e.Level == errors.LevelError {
				level = "error"
				errs++
			} else {
				warns++
			}
			fmt.Printf("%s: %s: %s\n", level, r.Name, e.Error())
		}
	}
	fmt.Printf("bundle %s (%s): %d errors, %d warnings\n", bundle.Name, flag.Arg(0), errs, warns)
	if errs > 0 || (*strict && warns > 0) {
		os.Exit(1)
	}
}
