import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { client } from "./lib/client";

const app = mount(App, { target: document.getElementById("app")!, props: { client } });

export default app;
