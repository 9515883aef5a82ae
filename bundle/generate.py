#!/usr/bin/env python3
"""Writes the OLM bundle (bundle/manifests, bundle/metadata) from the sources it repeats: the CRD
(crds/), the operator's RBAC (manifests/20-rbac.yaml), its Deployment (manifests/30-deployment.yaml)
and webhook configurations (manifests/50-webhooks.yaml). The e2e_bundle test checks the committed
files are what this prints, and validates them with operator-framework's validators.

Under OLM, OLM makes the serving certificate, mounts it at /tmp/k8s-webhook-server/serving-certs and
writes the webhook configurations and the CRD's conversion itself, so the operator runs with
--manage-webhooks=false. Usage: python3 bundle/generate.py [output dir, default bundle/]
"""
import base64
import copy
import json
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUNDLE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "bundle")
SOURCE = os.path.join(ROOT, "bundle")
PACKAGE = "compose-operator"
CHANNEL = "alpha"


def load_all(rel):
    with open(os.path.join(ROOT, rel)) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def one(docs, kind, name=None):
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, (kind, name, len(found))
    return found[0]


def version():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(compose-operator VERSION ([0-9.]+)", f.read()).group(1)


def dump(path, doc, header):
    with open(path, "w") as f:
        f.write(header)
        yaml.safe_dump(doc, f, sort_keys=False, width=100)


def main():
    ver = version()
    crd = one(load_all("crds/stacks.compose.docker.com.yaml"), "CustomResourceDefinition")
    rbac = load_all("manifests/20-rbac.yaml")
    deployment = one(load_all("manifests/30-deployment.yaml"), "Deployment")
    hooks = load_all("manifests/50-webhooks.yaml")
    mutating = one(hooks, "MutatingWebhookConfiguration")["webhooks"][0]
    validating = one(hooks, "ValidatingWebhookConfiguration")["webhooks"][0]
    image = f"{PACKAGE}:{ver}"

    # The Deployment: OLM owns certificates and webhook registration.
    dspec = copy.deepcopy(deployment["spec"])
    container = dspec["template"]["spec"]["containers"][0]
    container["image"] = image
    container["args"] = [a for a in container["args"] if not a.startswith("--webhook-service")]
    container["args"].append("--manage-webhooks=false")
    # OLM mounts its own certificate volume at the cert dir; ours would clash.
    dspec["template"]["spec"]["volumes"] = [v for v in dspec["template"]["spec"].get("volumes", [])
                                            if v["name"] != "certs"]
    container["volumeMounts"] = [m for m in container.get("volumeMounts", []) if m["name"] != "certs"]
    if not container["volumeMounts"]:
        del container["volumeMounts"]
    if not dspec["template"]["spec"]["volumes"]:
        del dspec["template"]["spec"]["volumes"]

    cluster_rules = [r for r in one(rbac, "ClusterRole", "compose-operator")["rules"]
                     if r.get("apiGroups") not in (["apiextensions.k8s.io"], ["admissionregistration.k8s.io"])]
    ns_rules = one(rbac, "Role", "compose-operator")["rules"]
    sa = deployment["spec"]["template"]["spec"]["serviceAccountName"]

    def webhook(kind, src, path):
        w = {
            "type": kind,
            "generateName": src["name"],
            "deploymentName": deployment["metadata"]["name"],
            "containerPort": 443,
            "targetPort": 9443,
            "webhookPath": path,
            "admissionReviewVersions": src["admissionReviewVersions"],
            "sideEffects": src["sideEffects"],
            "failurePolicy": src["failurePolicy"],
            "matchPolicy": src["matchPolicy"],
            "timeoutSeconds": src["timeoutSeconds"],
            "rules": src["rules"],
        }
        if "reinvocationPolicy" in src:
            w["reinvocationPolicy"] = src["reinvocationPolicy"]
        return w

    conv = crd["spec"]["conversion"]["webhook"]
    webhookdefinitions = [
        {"type": "ConversionWebhook", "generateName": "convert.stacks.compose.docker.com",
         "deploymentName": deployment["metadata"]["name"], "containerPort": 443, "targetPort": 9443,
         "webhookPath": conv["clientConfig"]["service"]["path"],
         "admissionReviewVersions": conv["conversionReviewVersions"], "sideEffects": "None",
         "conversionCRDs": [crd["metadata"]["name"]]},
        webhook("MutatingAdmissionWebhook", mutating, mutating["clientConfig"]["service"]["path"]),
        webhook("ValidatingAdmissionWebhook", validating, validating["clientConfig"]["service"]["path"]),
    ]

    storage = next(v["name"] for v in crd["spec"]["versions"] if v.get("storage"))
    example = {"apiVersion": f"compose.docker.com/{storage}", "kind": "Stack",
               "metadata": {"name": "hello"},
               "spec": {"services": [{"name": "web", "image": "nginx:1.27", "deploy": {"replicas": 2},
                                      "ports": [{"target": 80, "published": 8080}]}]}}
    owned = []
    for v in crd["spec"]["versions"]:
        if not v.get("served"):
            continue
        entry = {"name": crd["metadata"]["name"], "version": v["name"], "kind": "Stack",
                 "displayName": "Stack",
                 "description": "A Docker Compose application: a Compose file (v1beta1) or its structured form.",
                 "resources": [{"kind": k, "name": "", "version": gv} for k, gv in
                               [("Deployment", "v1"), ("StatefulSet", "v1"), ("DaemonSet", "v1"),
                                ("Service", "v1"), ("ConfigMap", "v1"), ("Secret", "v1")]],
                 "statusDescriptors": [
                     {"path": "phase", "displayName": "Phase", "description": "Progressing, Available or Failure.",
                      "x-descriptors": ["urn:alm:descriptor:io.kubernetes.phase"]},
                     {"path": "message", "displayName": "Message", "description": "What the operator last reported.",
                      "x-descriptors": ["urn:alm:descriptor:text"]},
                     {"path": "conditions", "displayName": "Conditions",
                      "description": "Ready, Reconciling and Stalled (kstatus conventions).",
                      "x-descriptors": ["urn:alm:descriptor:io.kubernetes.conditions"]},
                 ]}
        if v["name"] == "v1beta1":
            entry["specDescriptors"] = [{"path": "composeFile", "displayName": "Compose file",
                                         "description": "The Compose file, as it is.",
                                         "x-descriptors": ["urn:alm:descriptor:com.tectonic.ui:text"]}]
        else:
            entry["specDescriptors"] = [{"path": "services", "displayName": "Services",
                                         "description": "The services of the application."}]
        owned.append(entry)

    with open(os.path.join(SOURCE, "icon.svg"), "rb") as f:
        icon = base64.b64encode(f.read()).decode()

    csv = {
        "apiVersion": "operators.coreos.com/v1alpha1",
        "kind": "ClusterServiceVersion",
        "metadata": {
            "name": f"{PACKAGE}.v{ver}",
            "namespace": "placeholder",
            "annotations": {
                "alm-examples": json.dumps([example]),
                "capabilities": "Seamless Upgrades",
                "categories": "Application Runtime,Developer Tools",
                "containerImage": image,
                "description": "Runs Docker Compose applications on Kubernetes as Stack resources.",
                "support": "compose-operator",
                "operators.operatorframework.io/suggested-namespace": "compose-operator",
                "features.operators.openshift.io/disconnected": "true",
            },
        },
        "spec": {
            "displayName": "Compose Operator",
            "description": (
                "compose-operator runs Docker Compose applications on Kubernetes. Describe an application "
                "as a `Stack` - a Compose file as it is (v1beta1) or its structured form (v1beta2) - and the "
                "operator turns it into Deployments, StatefulSets, DaemonSets and Services, keeps them in "
                "sync, and reports Ready, Reconciling and Stalled conditions. It writes a stack's objects "
                "with the rights of the stack's author."),
            "version": ver,
            "maturity": "alpha",
            "minKubeVersion": "1.28.0",
            "keywords": ["compose", "docker", "stack", "applications"],
            "provider": {"name": "compose-operator"},
            "maintainers": [{"name": "compose-operator", "email": "compose-operator@example.com"}],
            "links": [{"name": "Compose Specification", "url": "https://compose-spec.io"},
                      {"name": "compose-on-kubernetes (the Stack API it keeps)",
                       "url": "https://github.com/docker/compose-on-kubernetes"}],
            "icon": [{"base64data": icon, "mediatype": "image/svg+xml"}],
            "installModes": [{"type": "OwnNamespace", "supported": False},
                             {"type": "SingleNamespace", "supported": False},
                             {"type": "MultiNamespace", "supported": False},
                             {"type": "AllNamespaces", "supported": True}],
            "customresourcedefinitions": {"owned": owned},
            "install": {
                "strategy": "deployment",
                "spec": {
                    "clusterPermissions": [{"serviceAccountName": sa, "rules": cluster_rules}],
                    "permissions": [{"serviceAccountName": sa, "rules": ns_rules}],
                    "deployments": [{"name": deployment["metadata"]["name"],
                                     "label": deployment["metadata"]["labels"], "spec": dspec}],
                },
            },
            "webhookdefinitions": webhookdefinitions,
        },
    }
    os.makedirs(os.path.join(BUNDLE, "manifests"), exist_ok=True)
    os.makedirs(os.path.join(BUNDLE, "metadata"), exist_ok=True)
    gen = "# Generated by bundle/generate.py from crds/ and manifests/; do not edit.\n"
    dump(os.path.join(BUNDLE, "manifests", f"{PACKAGE}.clusterserviceversion.yaml"), csv, gen)
    # The CRD as OLM wants it: OLM writes the conversion webhook's clientConfig itself.
    olm_crd = copy.deepcopy(crd)
    olm_crd["spec"]["conversion"]["webhook"]["clientConfig"].pop("caBundle", None)
    dump(os.path.join(BUNDLE, "manifests", "compose.docker.com_stacks.yaml"), olm_crd, gen)
    annotations = {"annotations": {
        "operators.operatorframework.io.bundle.mediatype.v1": "registry+v1",
        "operators.operatorframework.io.bundle.manifests.v1": "manifests/",
        "operators.operatorframework.io.bundle.metadata.v1": "metadata/",
        "operators.operatorframework.io.bundle.package.v1": PACKAGE,
        "operators.operatorframework.io.bundle.channels.v1": CHANNEL,
        "operators.operatorframework.io.bundle.channel.default.v1": CHANNEL,
    }}
    dump(os.path.join(BUNDLE, "metadata", "annotations.yaml"), annotations, gen)
    with open(os.path.join(BUNDLE, "bundle.Dockerfile"), "w") as f:
        f.write(gen)
        f.write("# Build from bundle/: buildah build -f bundle.Dockerfile -t compose-operator-bundle:v%s bundle/\n" % ver)
        f.write("FROM scratch\n")
        for k, v in annotations["annotations"].items():
            f.write(f"LABEL {k}={v}\n")
        f.write("COPY manifests /manifests/\nCOPY metadata /metadata/\n")


if __name__ == "__main__":
    main()
