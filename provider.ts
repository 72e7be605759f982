import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { COMPONENT_PACKAGE } from "./component-package";

// The plugin (PulumiPlugin.yaml): serves the component to `pulumi package add` in any language.
componentProviderHost(COMPONENT_PACKAGE);
