{{/*
The pod of the service, shared by its Deployment (or Rollout) and, for a scheduled service, its
CronJob. Takes (dict "root" . "restartPolicy" "Never"|""); an empty restartPolicy keeps the default.
*/}}
{{- define "app.podTemplate" -}}
{{- $root := .root -}}
metadata:
  labels:
    {{- include "app.labels" $root | nindent 4 }}
    slipway.dev/pod: workload
    {{- include "app.podExtraLabels" $root | nindent 4 }}
  {{- if or $root.Values.branding.enabled $root.Values.podAnnotations $root.Values.configFiles }}
  annotations:
    {{- if $root.Values.branding.enabled }}
    checksum/branding: {{ include (print $root.Template.BasePath "/branding.yaml") $root | sha256sum | toJson }}
    {{- end }}
    {{- include "app.podAnnotations" $root | nindent 4 }}
  {{- end }}
spec:
  {{- with .restartPolicy }}
  restartPolicy: {{ . }}
  {{- end }}
  {{- include "app.podSecurity" (dict "root" $root) | nindent 2 }}
  {{- include "app.podPlacement" $root | nindent 2 }}
  {{- if and (not $root.Values.schedule) (or $root.Values.autoscaling.enabled (gt (int $root.Values.replicas) 1)) }}
  topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: topology.kubernetes.io/zone
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels:
          {{- include "app.selectorLabels" $root | nindent 10 }}
  {{- end }}
  {{- include "app.podVolumes" $root | nindent 2 }}
  {{- include "app.initContainers" $root | nindent 2 }}
  containers:
    - name: {{ $root.Values.name | toJson }}
      image: {{ $root.Values.image.reference | toJson }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy | toJson }}
      {{- with $root.Values.command }}
      command: {{ . | toJson }}
      {{- end }}
      {{- with $root.Values.ports }}
      ports:
        {{- range . }}
        - name: {{ .name | toJson }}
          containerPort: {{ .port }}
          protocol: TCP
        {{- end }}
      {{- end }}
      {{- if include "app.hasEnv" $root }}
      env:
        {{- include "app.envVars" $root | nindent 8 }}
      {{- end }}
      {{- if $root.Values.branding.enabled }}
      envFrom:
        - configMapRef:
            name: {{ printf "%s-branding" $root.Values.name | toJson }}
      {{- end }}
      resources:
        {{- toYaml $root.Values.resources | nindent 8 }}
      {{- include "app.volumeMounts" $root | nindent 6 }}
      {{- if and (ne $root.Values.health.type "none") (not $root.Values.schedule) }}
      startupProbe:
        {{- include "app.probeAction" $root.Values.health | nindent 8 }}
        periodSeconds: 5
        failureThreshold: 60
      readinessProbe:
        {{- include "app.probeAction" $root.Values.health | nindent 8 }}
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 3
      livenessProbe:
        {{- include "app.probeAction" $root.Values.health | nindent 8 }}
        periodSeconds: 20
        timeoutSeconds: 5
        failureThreshold: 3
      {{- end }}
      {{- include "app.containerSecurity" $root | nindent 6 }}
{{- end }}
