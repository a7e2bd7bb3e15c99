/** Recording from the microphone, as Anki's "record audio": press to start, press to stop. */
import { useRef, useState } from "react";

interface AudioRecorderProps {
  onRecorded: (blob: Blob, name: string) => void;
  onError?: (message: string) => void;
  disabled?: boolean;
}

export function AudioRecorder({ onRecorded, onError, disabled }: AudioRecorderProps) {
  const [recording, setRecording] = useState(false);
  const recorder = useRef<MediaRecorder | null>(null);
  if (typeof MediaRecorder === "undefined" || !navigator.mediaDevices?.getUserMedia) return null;

  const start = async () => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const chunks: Blob[] = [];
      const next = new MediaRecorder(stream);
      next.ondataavailable = (event) => chunks.push(event.data);
      next.onstop = () => {
        stream.getTracks().forEach((track) => track.stop());
        const type = next.mimeType || "audio/webm";
        const extension = type.includes("ogg") ? "ogg" : type.includes("mp4") ? "m4a" : "webm";
        onRecorded(new Blob(chunks, { type }), `recording-${Date.now()}.${extension}`);
      };
      next.start();
      recorder.current = next;
      setRecording(true);
    } catch {
      onError?.("The microphone could not be used.");
    }
  };
  const stop = () => {
    recorder.current?.stop();
    recorder.current = null;
    setRecording(false);
  };

  return (
    <button
      type="button"
      className={`rich-field__tool${recording ? " rich-field__tool--recording" : ""}`}
      title={recording ? "Stop recording" : "Record audio"}
      aria-label={recording ? "Stop recording" : "Record audio"}
      disabled={disabled && !recording}
      onClick={() => (recording ? stop() : void start())}
    >
      {recording ? "Stop" : "Record"}
    </button>
  );
}
