import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { takeKeyFromFragment } from './api';
import { App } from './app';
import './styles.css';

takeKeyFromFragment();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
