{{/*
Names and labels shared by every template.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "exactly.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name of the release's resources: <release>-<chart>, or just <release> when it already
contains the chart name. At most 55 characters, so that "<fullname>-metrics" is still a valid
Service name (DNS labels have at most 63).
*/}}
{{- define "exactly.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 55 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 55 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 55 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "exactly.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels that select the operator pods. component=operator keeps them apart from the worker and
recover pods, which also carry app.kubernetes.io/name=exactly.
*/}}
{{- define "exactly.selectorLabels" -}}
app.kubernetes.io/name: {{ include "exactly.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/* Labels on every resource of the chart. */}}
{{- define "exactly.labels" -}}
{{ include "exactly.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: exactly
helm.sh/chart: {{ include "exactly.chart" . }}
{{- end }}

{{/* Labels of the CRD upgrade hook's objects (templates/crd-upgrade.yaml): not the operator's. */}}
{{- define "exactly.crdUpgradeLabels" -}}
app.kubernetes.io/name: {{ include "exactly.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: crd-upgrade
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: exactly
helm.sh/chart: {{ include "exactly.chart" . }}
{{- end }}

{{- define "exactly.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "exactly.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
What the operator does to StreamJobs and their pods, in every namespace it watches. The same
rules go into the ClusterRole (watchNamespaces empty) or into one Role per watched namespace.
docs/helm.md says why each verb is needed; test/integration/chart/ pins the list.
*/}}
{{- define "exactly.jobRules" -}}
# Watch StreamJobs; update/patch add and remove the finalizer exactly.dev/stop-cleanly.
- apiGroups: ["exactly.dev"]
  resources: ["streamjobs"]
  verbs: ["get", "list", "watch", "update", "patch"]
# Write conditions, phase and workers through the status subresource.
- apiGroups: ["exactly.dev"]
  resources: ["streamjobs/status"]
  verbs: ["get", "update", "patch"]
# Worker pods carry an owner reference with blockOwnerDeletion, which needs this.
- apiGroups: ["exactly.dev"]
  resources: ["streamjobs/finalizers"]
  verbs: ["update"]
# Worker and recover pods: created, watched and deleted directly (restartPolicy Never).
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "delete"]
# The Secrets spec.kafka.tls and spec.kafka.authentication name: read (never listed or watched)
# to tell a missing one and to roll a job when their values change. Values are only hashed.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
# Events for every transition and failure (both APIs, as client libraries use either).
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- if .Values.podDisruptionBudget.enabled }}
# One PodDisruptionBudget per StreamJob (maxUnavailable 1), created before its first worker;
# create only, like the NetworkPolicy (owned by the StreamJob: the garbage collector deletes it).
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["create"]
{{- end }}
{{- if .Values.networkPolicy.enabled }}
# One NetworkPolicy per StreamJob guards its workers' port; created only, never read or changed
# (owned by the StreamJob: the garbage collector deletes it).
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["create"]
{{- end }}
{{- end }}
