{{/* Every value reaches YAML through toJson: JSON scalars are valid YAML, so no value can break the document. */}}

{{- define "app.labels" -}}
app.kubernetes.io/name: {{ .Values.name | toJson }}
app.kubernetes.io/instance: {{ .Release.Name | toJson }}
app.kubernetes.io/component: {{ .Values.role | toJson }}
app.kubernetes.io/part-of: {{ .Values.environment.name | toJson }}
app.kubernetes.io/managed-by: {{ .Release.Service | toJson }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" | toJson }}
slipway.dev/environment: {{ .Values.environment.name | toJson }}
slipway.dev/tier: {{ .Values.environment.tier | toJson }}
{{- end }}

{{/* Pods of the service itself. Hook Jobs carry another slipway.dev/pod, so Services, PDBs and HPAs never select them. */}}
{{- define "app.selectorLabels" -}}
app.kubernetes.io/name: {{ .Values.name | toJson }}
app.kubernetes.io/instance: {{ .Release.Name | toJson }}
slipway.dev/pod: workload
{{- end }}

{{- define "app.workloadKind" -}}
{{- if eq .Values.strategy "blue-green" }}Rollout{{ else }}Deployment{{ end }}
{{- end }}

{{- define "app.workloadApiVersion" -}}
{{- if eq .Values.strategy "blue-green" }}argoproj.io/v1alpha1{{ else }}apps/v1{{ end }}
{{- end }}

{{/* Plain variables, then those read from Secrets of the namespace (each by its Secret and key), then those made from them: Kubernetes expands `$(NAME)` only from variables defined earlier. */}}
{{- define "app.envVars" -}}
{{- range $name, $value := .Values.env }}
- name: {{ $name | toJson }}
  {{- /* Plain values are data: every $ doubled, so Kubernetes expands no $(NAME) in them and gives back the text as written. */}}
  value: {{ $value | replace "$" "$$" | toJson }}
{{- end }}
{{- range .Values.secretEnv }}
- name: {{ .name | toJson }}
  valueFrom:
    secretKeyRef:
      name: {{ .secretName | toJson }}
      key: {{ .key | toJson }}
{{- end }}
{{- range .Values.composedEnv }}
- name: {{ .name | toJson }}
  value: {{ .value | toJson }}
{{- end }}
{{- end }}

{{- define "app.hasEnv" -}}
{{- if or .Values.env .Values.secretEnv .Values.composedEnv }}true{{ end }}
{{- end }}

{{- define "app.probeAction" -}}
{{- if eq .type "http" }}
httpGet:
  path: {{ .path | toJson }}
  port: {{ .port | toJson }}
{{- else }}
exec:
  command: {{ .command | toJson }}
{{- end }}
{{- end }}

{{/* EKS Pod Identity mounts its own token into pods of an associated ServiceAccount, so the API token stays unmounted. */}}
{{- define "app.podSecurity" -}}
{{- with .root.Values.serviceAccount.name }}
serviceAccountName: {{ . | toJson }}
{{- end }}
automountServiceAccountToken: false
securityContext:
  seccompProfile:
    type: RuntimeDefault
  {{- range $field, $value := .root.Values.podSecurityContext }}
  {{ $field | toJson }}: {{ $value | toJson }}
  {{- end }}
{{- end }}

{{- define "app.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  {{- range $field, $value := .Values.containerSecurityContext }}
  {{ $field | toJson }}: {{ $value | toJson }}
  {{- end }}
{{- end }}

{{/*
A hook Job that runs one command with the service's image, variables and secrets. Only a Job that
runs after the install has the service's ServiceAccount to run under: a pre-install hook runs
before the chart creates it.
*/}}
{{- define "app.job" -}}
{{- $root := .root -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ printf "%s-%s" $root.Values.name .suffix | toJson }}
  labels:
    {{- include "app.labels" $root | nindent 4 }}
  annotations:
    helm.sh/hook: {{ .hook | toJson }}
    helm.sh/hook-weight: {{ .weight | toJson }}
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: 1
  activeDeadlineSeconds: 1800
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {{ $root.Values.name | toJson }}
        app.kubernetes.io/instance: {{ $root.Release.Name | toJson }}
        slipway.dev/pod: {{ .suffix | toJson }}
    spec:
      restartPolicy: Never
      {{- include "app.podSecurity" (dict "root" $root) | nindent 6 }}
      {{- include "app.podPlacement" $root | nindent 6 }}
      containers:
        - name: {{ .suffix | toJson }}
          image: {{ $root.Values.image.reference | toJson }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy | toJson }}
          command: {{ .command | toJson }}
          {{- if include "app.hasEnv" $root }}
          env:
            {{- include "app.envVars" $root | nindent 12 }}
          {{- end }}
          resources:
            {{- toYaml $root.Values.resources | nindent 12 }}
          {{- include "app.containerSecurity" $root | nindent 10 }}
{{- end }}
