{{/* Service options (service.json and the environment's overrides): placement, extra pod metadata, volumes, extra containers. Every value through toJson. */}}

{{/* Extra labels of the pods: Slipway's own keys are refused in service.json, so these never repeat one. */}}
{{- define "app.podExtraLabels" -}}
{{- range $key, $value := .Values.podLabels }}
{{ $key | toJson }}: {{ $value | toJson }}
{{- end }}
{{- end }}

{{/* Extra annotations of the pods, and a checksum of the config files, so that a changed file rolls the pods (a subPath mount never sees updates). */}}
{{- define "app.podAnnotations" -}}
{{- range $key, $value := .Values.podAnnotations }}
{{ $key | toJson }}: {{ $value | toJson }}
{{- end }}
{{- if .Values.configFiles }}
checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum | toJson }}
{{- end }}
{{- end }}

{{/* nodeSelector, tolerations and affinity, as the values give them (Kubernetes' own shapes). */}}
{{- define "app.podPlacement" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- range $key, $value := . }}
  {{ $key | toJson }}: {{ $value | toJson }}
  {{- end }}
{{- end }}
{{- with .Values.tolerations }}
tolerations: {{ . | toJson }}
{{- end }}
{{- with .Values.affinity }}
affinity: {{ . | toJson }}
{{- end }}
{{- end }}

{{/* Pod volumes: each persistent volume (volume-<n>: users' names never meet Kubernetes' limits or each other), then the config files' ConfigMap. */}}
{{- define "app.podVolumes" -}}
{{- if or .Values.persistence .Values.configFiles }}
volumes:
  {{- range $index, $volume := .Values.persistence }}
  - name: {{ printf "volume-%d" (add1 $index) | toJson }}
    persistentVolumeClaim:
      claimName: {{ printf "%s-%s" $.Values.name $volume.name | toJson }}
  {{- end }}
  {{- if .Values.configFiles }}
  - name: config
    configMap:
      name: {{ printf "%s-config" .Values.name | toJson }}
  {{- end }}
{{- end }}
{{- end }}

{{- define "app.volumeMounts" -}}
{{- if or .Values.persistence .Values.configFiles }}
volumeMounts:
  {{- range $index, $volume := .Values.persistence }}
  - name: {{ printf "volume-%d" (add1 $index) | toJson }}
    mountPath: {{ $volume.mountPath | toJson }}
  {{- end }}
  {{- range .Values.configFiles }}
  - name: config
    mountPath: {{ .mountPath | toJson }}
    subPath: {{ .key | toJson }}
    readOnly: true
  {{- end }}
{{- end }}
{{- end }}

{{/* One extra container: its own image, command, plain variables and compute, under the service's container restrictions. */}}
{{- define "app.extraContainer" -}}
{{- $root := .root -}}
- name: {{ .container.name | toJson }}
  image: {{ .container.image | toJson }}
  imagePullPolicy: IfNotPresent
  {{- with .container.command }}
  command: {{ . | toJson }}
  {{- end }}
  {{- with .container.env }}
  env:
    {{- range $name, $value := . }}
    - name: {{ $name | toJson }}
      value: {{ $value | replace "$" "$$" | toJson }}
    {{- end }}
  {{- end }}
  {{- if .sidecar }}
  {{- /* A native sidecar (Kubernetes 1.29+): started before the service and stopped after it, so a CronJob's pod still completes. */}}
  restartPolicy: Always
  {{- end }}
  resources: {{ .container.resources | toJson }}
  {{- /* The service's volumes and config files, shared: warm a cache, ship its logs. */}}
  {{- include "app.volumeMounts" $root | nindent 2 }}
  {{- include "app.containerSecurity" $root | nindent 2 }}
{{- end }}

{{/* Init containers run in order, then the sidecars start, then the service. */}}
{{- define "app.initContainers" -}}
{{- if or .Values.initContainers .Values.sidecars }}
initContainers:
  {{- range .Values.initContainers }}
  {{- include "app.extraContainer" (dict "root" $ "container" . "sidecar" false) | nindent 2 }}
  {{- end }}
  {{- range .Values.sidecars }}
  {{- include "app.extraContainer" (dict "root" $ "container" . "sidecar" true) | nindent 2 }}
  {{- end }}
{{- end }}
{{- end }}
