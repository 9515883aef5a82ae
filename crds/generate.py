#!/usr/bin/env python3
"""Generates crds/stacks.compose.docker.com.yaml (the committed file is the artefact).

Run: python3 crds/generate.py > crds/stacks.compose.docker.com.yaml
Every schema node gets a description so `kubectl explain stack.spec.services` is useful.
Field names and types follow the reference (docker/compose-on-kubernetes) wire format,
quirks included: `health_check`, `paralellism`, integer-nanosecond durations, capitalised
placement-constraint keys.
"""
import sys
import yaml

def s(desc, **kw):
    return dict(type="string", description=desc, **kw)

def i64(desc, **kw):
    return dict(type="integer", format="int64", description=desc, **kw)

def i32(desc, **kw):
    return dict(type="integer", format="int32", description=desc, **kw)

def b(desc):
    return dict(type="boolean", description=desc)

def strs(desc, item="An entry."):
    return dict(type="array", description=desc, items=s(item))

def smap(desc, item="A value."):
    return dict(type="object", description=desc, additionalProperties=s(item))

def obj(desc, props, **kw):
    return dict(type="object", description=desc, properties=props, **kw)

def arr(desc, item):
    return dict(type="array", description=desc, items=item)

DUR = "A duration in integer nanoseconds (Go time.Duration), e.g. 30000000000 for 30s."

def constraint(desc):
    return obj(desc, {
        "Value": s("The value to compare with."),
        "Operator": s('"==" (equal) or "!=" (not equal).'),
    })

def file_reference(what):
    return obj(f"A reference from the service to a top-level {what}, mounted as a file.", {
        "source": s(f"Name of the top-level {what}."),
        "target": s("Path of the file in the container (secrets default to /run/secrets/<source>, configs to /<source>)."),
        "uid": s("Owner user id of the file (not applied by Kubernetes)."),
        "gid": s("Owner group id of the file (not applied by Kubernetes)."),
        "mode": dict(type="integer", format="int64", minimum=0, maximum=4294967295,
                     description="File permission bits, e.g. 292 (0444)."),
    })

def file_object(what):
    return obj(f"A top-level {what}.", {
        "name": s(f"Name of the {what} (for external ones: the Kubernetes object's name)."),
        "file": s("Path of the file holding the content (client side only)."),
        "content": s("Inline content (Compose Specification): the operator creates the object from it, owned by the stack."),
        "external": obj(f"Marks the {what} as an existing Kubernetes object.", {
            "name": s("Name of the existing object."),
            "external": b("True when the object exists outside the stack."),
        }),
        "labels": smap("Labels of the object.", "A label value."),
    })

resource = lambda desc: obj(desc, {
    "cpus": s('CPUs as a decimal string, e.g. "0.5".'),
    "memory": i64("Memory in bytes."),
})

SERVICE_BASE = {
    "name": s("Service name (the Compose services key); names the Kubernetes workload and Service."),
    "cap_add": strs("Linux capabilities to add.", "A capability, e.g. NET_ADMIN."),
    "cap_drop": strs("Linux capabilities to drop.", "A capability."),
    "command": strs("Compose `command`: the container's args.", "An argument."),
    "configs": arr("Configs mounted into the service.", file_reference("config")),
    "deploy": obj("Compose `deploy` section.", {
        "mode": s('"replicated" (default; Deployment or StatefulSet) or "global" (DaemonSet).'),
        "replicas": dict(type="integer", format="int64", minimum=0, description="Number of replicas (replicated mode)."),
        "labels": smap("Labels added to the workload.", "A label value."),
        "update_config": obj("Rolling update settings.", {
            "paralellism": dict(type="integer", format="int64", minimum=0,
                                description="How many replicas update at once (the key's misspelling is the reference's wire format)."),
        }),
        "resources": obj("Resource limits and reservations.", {
            "limits": resource("Limits (Kubernetes limits)."),
            "reservations": resource("Reservations (Kubernetes requests)."),
        }),
        "restart_policy": obj("Restart policy.", {
            "condition": s('"none", "on-failure" or "any".'),
        }),
        "placement": obj("Placement on nodes.", {
            "constraints": obj("Node constraints (capitalised keys are the reference's wire format).", {
                "OperatingSystem": constraint("Constraint on node.platform.os (kubernetes.io/os)."),
                "Architecture": constraint("Constraint on node.platform.arch (kubernetes.io/arch)."),
                "Hostname": constraint("Constraint on node.hostname (kubernetes.io/hostname)."),
                "MatchLabels": dict(type="object", description="Constraints on node labels, keyed by label name.",
                                    additionalProperties=constraint("Constraint on one node label.")),
            }),
            "max_replicas_per_node": dict(type="integer", format="int64", minimum=0,
                                          description="At most this many replicas per node (additive field); "
                                                      "1 becomes a required pod anti-affinity, larger values are ignored with a warning."),
        }),
    }),
    "entrypoint": strs("Compose `entrypoint`: the container's command.", "An argument."),
    "environment": dict(type="object", description="Environment variables; a null value is a key without value.",
                        additionalProperties=dict(type="string", nullable=True, description="The value, or null.")),
    "extra_hosts": strs('Extra /etc/hosts entries, "host:ip".', "A host:ip entry."),
    "hostname": s("Pod hostname."),
    "health_check": obj("Health check (becomes a probe).", {
        "test": strs('Command: ["CMD", ...], ["CMD-SHELL", "..."], or ["NONE"] to disable.', "A word."),
        "timeout": i64("Timeout. " + DUR),
        "interval": i64("Interval between checks. " + DUR),
        "retries": dict(type="integer", format="int64", minimum=0, description="Consecutive failures before unhealthy."),
        "start_period": i64("Start period (additive field). " + DUR),
    }),
    "image": s("Container image reference."),
    "ipc": s('IPC namespace; only "host" has an effect.'),
    "labels": smap("Container labels (pod annotations).", "A label value."),
    "pid": s('PID namespace; only "host" has an effect.'),
    "ports": arr("Ports of the service.", obj("One port.", {
        "mode": s('"ingress" or "host".'),
        "target": dict(type="integer", format="int64", minimum=0, maximum=65535, description="Container port."),
        "published": dict(type="integer", format="int64", minimum=0, maximum=65535,
                          description="Published port (0 or absent: not published)."),
        "protocol": s('"tcp" (default), "udp" or "sctp".'),
    })),
    "privileged": b("Run the container privileged."),
    "read_only": b("Read-only root filesystem."),
    "secrets": arr("Secrets mounted into the service.", file_reference("secret")),
    "stdin_open": b("Keep stdin open."),
    "stop_grace_period": i64("Termination grace period. " + DUR),
    "tmpfs": strs("Paths mounted as tmpfs (emptyDir in memory).", "A container path."),
    "tty": b("Allocate a TTY."),
    "user": i64("Numeric user id (runAsUser)."),
    "group": i64("Numeric group id (runAsGroup; additive field, from Compose user \"uid:gid\")."),
    "volumes": arr("Mounts.", obj("One mount.", {
        "type": s('"volume", "bind", "tmpfs" or "npipe".'),
        "source": s("Volume name or absolute host path."),
        "target": s("Path in the container."),
        "read_only": b("Mount read-only."),
    })),
    "working_dir": s("Working directory."),
}

def hook(desc):
    return obj(desc, {"command": strs("The command, run with exec in the container.", "An argument.")})

# Compose Specification keys the reference dropped (compose-operator additions, all optional).
SERVICE_ADDITIVE = {
    "sysctls": smap("Kernel parameters (pod securityContext.sysctls; additive field).", "The value."),
    "group_add": dict(type="array", description="Numeric supplemental group ids (pod securityContext.supplementalGroups; additive field).",
                      items=dict(type="integer", format="int64", description="A group id.")),
    "shm_size": i64("Size of /dev/shm in bytes: a memory emptyDir with this sizeLimit (additive field)."),
    "post_start": hook("Compose post_start: the container's lifecycle.postStart hook (additive field)."),
    "pre_stop": hook("Compose pre_stop: the container's lifecycle.preStop hook (additive field)."),
    "depends_on": arr("Services this one waits for: one init container each (additive field).",
                      obj("One dependency (Compose long-form depends_on).", {
                          "service": s("Name of the service depended on."),
                          "condition": s("service_started (its Service answers), service_healthy (it is ready) or "
                                         "service_completed_successfully (waited for as service_started, with a warning).",
                                         enum=["service_started", "service_healthy", "service_completed_successfully"]),
                          "required": b("false: wait a bounded time, then start anyway (absent: true)."),
                          "restart": b("Compose restart-on-update (not possible on Kubernetes; warned)."),
                      }, required=["service"])),
    "kubernetes": obj("Kubernetes settings of the service (Compose `x-kubernetes` of a service; additive field).", {
        "serviceType": s("Type of the <service>-published Service (absent: the operator's --default-service-type).",
                         enum=["ClusterIP", "NodePort", "LoadBalancer"]),
        "expose": arr("Ingresses (networking.k8s.io/v1) routing to the service, owned by the stack: <service>, <service>-1, ...",
                      obj("One Ingress.", {
                          "host": s("Host name of the rule (absent: every host), e.g. shop.example.com or *.example.com."),
                          "path": s('URL path (default "/").'),
                          "pathType": s("Prefix (default), Exact or ImplementationSpecific.",
                                        enum=["Prefix", "Exact", "ImplementationSpecific"]),
                          "port": dict(type="integer", format="int64", minimum=1, maximum=65535,
                                       description="A TCP port of the service (published or target number; default: its first)."),
                          "tlsSecret": s("Name of a kubernetes.io/tls Secret: the Ingress serves TLS for the host."),
                          "ingressClassName": s("IngressClass to use (absent: the cluster's default)."),
                      })),
    }),
}

SERVICE_V1ALPHA3 = {
    "pull_secret": s("Name of a docker-registry Secret added to imagePullSecrets (v1alpha3 field)."),
    "pull_policy": s('"Always", "IfNotPresent" or "Never" (v1alpha3 field).', enum=["", "Always", "IfNotPresent", "Never"]),
    "internal_ports": arr("Ports of the in-stack Service (v1alpha3 field).", obj("One internal port.", {
        "port": i32("Port number."),
        "protocol": s('"TCP", "UDP" or "SCTP".'),
    })),
    "internal_service_type": s('"" (auto: headless without internal_ports, else ClusterIP), "Headless" or "ClusterIP" (v1alpha3 field).',
                               enum=["", "Headless", "ClusterIP"]),
}

STATUS = obj("Observed state, written by the operator.", {
    "observedGeneration": i64("The metadata.generation the status describes."),
    "phase": s("Progressing, Available or Failure (compatible with the reference)."),
    "message": s("Human-readable summary of the phase."),
    "conditions": dict(type="array", description="Conditions Ready, Reconciling and Stalled (kstatus conventions).",
                       **{"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
                       items=obj("One condition (metav1.Condition).", {
                           "type": s("Condition type: Ready, Reconciling or Stalled."),
                           "status": s('"True", "False" or "Unknown".', enum=["True", "False", "Unknown"]),
                           "reason": s("CamelCase reason."),
                           "message": s("Human-readable detail."),
                           "lastTransitionTime": s("When the status last changed (RFC 3339).", format="date-time"),
                           "observedGeneration": i64("The metadata.generation the condition describes."),
                       }, required=["type", "status"])),
    "services": dict(type="object", description="Replica counts per service, keyed by service name.",
                     additionalProperties=obj("Counts of one service's workload.", {
                         "desired": i32("Desired replicas."),
                         "ready": i32("Ready replicas."),
                         "updated": i32("Replicas at the current revision."),
                     })),
    "serviceCount": i32("Number of services (printer column)."),
    "ready": s('"<ready services>/<services>" (printer column).'),
})

def root(spec):
    return {"openAPIV3Schema": obj("A Docker Compose application run by compose-operator.", {
        "apiVersion": s("APIVersion of this representation of the object."),
        "kind": s("Kind: Stack."),
        # The API server allows nothing but `type` here (not even a description).
        "metadata": dict(type="object"),
        "spec": spec,
        "status": STATUS,
    })}

ACCESS_MODES = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]

VOLUME_CLAIM = obj("Settings of the PersistentVolumeClaims made for one named volume "
                   "(compose-operator extension; Compose: `x-kubernetes` of the top-level volume). "
                   "Absent fields take the operator's defaults.", {
    "size": s('Requested storage, a Kubernetes quantity, e.g. "10Gi".'),
    "storageClassName": s('StorageClass of the claims; "" requests no class (static binding). '
                          "Absent: the cluster's default StorageClass."),
    "accessModes": strs("Access modes of the claims (default: ReadWriteOnce).",
                        "ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod."),
})
VOLUME_CLAIM["properties"]["accessModes"]["items"]["enum"] = ACCESS_MODES

def structured(service_props, desc):
    return obj(desc, {
        "services": arr("The services of the stack.", obj("One service (Compose service).", service_props)),
        "secrets": dict(type="object", description="Top-level secrets, keyed by name.",
                        additionalProperties=file_object("secret")),
        "configs": dict(type="object", description="Top-level configs, keyed by name.",
                        additionalProperties=file_object("config")),
        "volumes": dict(type="object",
                        description="Claim settings of named volumes, keyed by volume name "
                                    "(compose-operator extension).",
                        additionalProperties=VOLUME_CLAIM),
    })

V1BETA1 = obj("Stack specification as a Compose file.", {
    "composeFile": s("The Compose file (YAML text). Parsed on the server with an empty environment."),
})
ALL = {**SERVICE_BASE, **SERVICE_V1ALPHA3, **SERVICE_ADDITIVE}
V1BETA2 = structured(ALL, "Structured stack specification (storage version; also carries the v1alpha3 fields).")
V1ALPHA3 = structured(ALL, "Structured stack specification with the v1alpha3 fields.")

COLUMNS = [
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase", "description": "Progressing, Available or Failure."},
    {"name": "Services", "type": "integer", "jsonPath": ".status.serviceCount", "description": "Number of services."},
    {"name": "Ready", "type": "string", "jsonPath": ".status.ready", "description": "Ready services / services."},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
]

def version(name, spec, storage):
    return {"name": name, "served": True, "storage": storage, "schema": root(spec),
            "subresources": {"status": {}}, "additionalPrinterColumns": COLUMNS}

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "stacks.compose.docker.com",
                 "labels": {"app.kubernetes.io/name": "compose-operator"}},
    "spec": {
        "group": "compose.docker.com",
        "names": {"kind": "Stack", "listKind": "StackList", "plural": "stacks",
                  "singular": "stack", "shortNames": ["stk"]},
        "scope": "Namespaced",
        "versions": [version("v1beta1", V1BETA1, False), version("v1beta2", V1BETA2, True),
                     version("v1alpha3", V1ALPHA3, False)],
        "conversion": {"strategy": "Webhook", "webhook": {
            "conversionReviewVersions": ["v1"],
            # Placeholder: the operator (or manifests/) sets caBundle at start.
            "clientConfig": {"service": {"namespace": "compose-operator",
                                         "name": "compose-operator-webhook",
                                         "path": "/convert", "port": 443}}}},
    },
}

HEADER = """\
# Generated by crds/generate.py; edit the script, then:
#   python3 crds/generate.py > crds/stacks.compose.docker.com.yaml
# CustomResourceDefinition of compose.docker.com Stack: v1beta1 (composeFile), v1beta2 (storage,
# structured spec plus the optional v1alpha3 fields) and v1alpha3; status subresource; short name stk.
# Conversion is done by the operator's webhook: spec.conversion.webhook.clientConfig points at the
# placeholder Service compose-operator/compose-operator-webhook path /convert; the operator injects
# caBundle (or cert-manager/OLM does). Annotations used by conversion (see
# include/op/conversion/convert.hpp): compose.docker.com/compose-file,
# compose.docker.com/compose-file-spec-hash, compose.docker.com/structured-spec,
# compose.docker.com/structured-spec-compose-hash.
"""

class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True

Dumper.add_representer(dict, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items()))

sys.stdout.write(HEADER + "---\n" + yaml.dump(CRD, Dumper=Dumper, sort_keys=False, width=100))
