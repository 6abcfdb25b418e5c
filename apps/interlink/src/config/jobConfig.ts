import type { ScriptBuildConfig } from '@interlink/api';
import type { RelayConfig } from './RelayConfigSchema';

/** YAML `JobScriptBuildConfig` (snake_case groups) → the JSON `jobConfig` shape sent on the wire. */
export function toJobConfig(yaml: NonNullable<RelayConfig['JobScriptBuildConfig']>): ScriptBuildConfig {
  const hub = yaml.singularity_hub;
  const app = yaml.apptainer_options;
  const vol = yaml.volumes_options;
  return {
    SingularityHubProxy: { server: hub.server, master_token: hub.master_token, cache_validity_seconds: hub.cache_validity_seconds },
    ApptainerOptions: {
      executable: app.executable,
      fakeroot: app.fakeroot,
      containall: app.containall,
      fuseMode: app.fuse_mode,
      noInit: app.no_init,
      noHome: app.no_home,
      noPrivs: app.no_privs,
      nvidiaSupport: app.nvidia_support,
      cleanenv: app.cleanenv,
      unsquash: app.unsquash,
    },
    Volumes: {
      scratch_area: vol.scratch_area,
      apptainer_cachedir: vol.apptainer_cachedir,
      image_dir: vol.image_dir,
      additional_directories_in_path: vol.additional_directories_in_path ?? [],
      fuse_sleep_seconds: vol.fuse_sleep_seconds,
    },
  };
}
